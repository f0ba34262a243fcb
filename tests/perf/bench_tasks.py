# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 1, per-task cost: 30 unchanged ``iotda_device_certificate`` tasks against 30 ``uri`` GETs
of the same show endpoint and 30 ``ping`` tasks (the floor of an Ansible task).

All three contenders authenticate the same way: ``X-Auth-Token`` with the simulator's token (the
module's ``auth_token`` option, the ``uri`` task's header), so the comparison is about Ansible and
the module, not about signing. Then the AnsiballZ payloads themselves: what they ship, how long
they run outside Ansible, and what their imports cost (``python -X importtime``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

from benchlib import (IOTDA_AUTH_TOKEN, IOTDA_PROJECT_ID, BenchError, clean_env, describe_requests, kept_payload, log, median,
                      parse_importtime, payload_files, ratios, rotated, run_python, summary, write_playbook)

TASKS = 30
MODULE = 'iotpki.certificates.iotda_device_certificate'
CONTENDERS = ('module', 'uri', 'ping')
PAYLOADS = {'module': 'iotda_device_certificate', 'uri': 'uri', 'ping': 'ping'}
# Requests each contender must send per playbook: the module one show call per task and no write.
EXPECTED = {'module': {'GET /device-certificates/{id}': TASKS}, 'uri': {'GET /device-certificates/{id}': TASKS}, 'ping': {}}


def _task(contender, index, sim_url, certificate_id):
    name = '%s %02d' % (contender, index)
    if contender == 'module':
        return {'name': name, MODULE: {'endpoint': sim_url, 'project_id': IOTDA_PROJECT_ID, 'auth_token': IOTDA_AUTH_TOKEN,
                                       'certificate_id': certificate_id, 'status': 'active'}}
    if contender == 'uri':
        url = '%s/v5/iot/%s/device-certificates/%s' % (sim_url, IOTDA_PROJECT_ID, certificate_id)
        return {'name': name, 'ansible.builtin.uri': {'url': url, 'headers': {'X-Auth-Token': IOTDA_AUTH_TOKEN}}}
    return {'name': name, 'ansible.builtin.ping': {}}


def _check_requests(contender, found):
    if found['by_call'] != EXPECTED[contender] or found['writes'] or set(found['statuses']) - {'200'}:
        raise BenchError('%s playbook sent %r, expected %r and no write' % (contender, found, EXPECTED[contender]))
    return found


def run(sim, runner, rounds):
    sim.reset()
    generate = {'count': 1, 'common_name_prefix': 'perf-task-', 'status': 'ACTIVE'}
    certificate = sim.seed_device_certificates(generate=generate)['created'][0]
    certificate_id = certificate['certificate_id']
    playbooks = {}
    for contender in CONTENDERS:
        tasks = [_task(contender, index, sim.url, certificate_id) for index in range(1, TASKS + 1)]
        playbooks[contender] = write_playbook(os.path.join(runner.workdir, 'tasks_%s.yml' % contender),
                                              '%d %s tasks' % (TASKS, contender), tasks)
    walls = {contender: [] for contender in CONTENDERS}
    cpus = {contender: [] for contender in CONTENDERS}
    per_task = {contender: [] for contender in CONTENDERS}
    requests = {}
    # Warm-up (one task of each contender) that also keeps the AnsiballZ payloads for _payloads().
    keep = write_playbook(os.path.join(runner.workdir, 'tasks_keep.yml'), 'one task of each, payloads kept',
                          [_task(contender, 0, sim.url, certificate_id) for contender in CONTENDERS])
    runner.playbook(keep, keep_remote_files=True)
    payloads = {contender: kept_payload(runner, name) for contender, name in PAYLOADS.items()}
    for round_index in range(rounds):
        for contender in rotated(list(CONTENDERS), round_index):
            sim.clear_requests()
            result = runner.playbook(playbooks[contender])
            requests[contender] = _check_requests(contender, describe_requests(sim.requests()))
            if result['changed']:
                raise BenchError('%s playbook reported changed=%d' % (contender, result['changed']))
            durations = [task['duration'] for task in result['tasks']]
            if len(durations) != TASKS:
                raise BenchError('%s playbook reported %d task results, expected %d' % (contender, len(durations), TASKS))
            walls[contender].append(result['wall'])
            cpus[contender].append(result['cpu'])
            per_task[contender].append(sum(durations) / len(durations))
        log('per-task cost: round %d/%d: %s' % (round_index + 1, rounds, ', '.join(
            '%s %.1f s (CPU %.1f s)' % (contender, walls[contender][-1], cpus[contender][-1]) for contender in CONTENDERS)))

    results = {
        'tasks': TASKS,
        'certificate_id': certificate_id,
        'wall': {contender: summary(walls[contender]) for contender in CONTENDERS},
        'cpu': {contender: summary(cpus[contender]) for contender in CONTENDERS},
        'per_task': {contender: summary(per_task[contender]) for contender in CONTENDERS},
        'requests': requests,
        'ratio_wall': {'module/uri': median(ratios(walls['module'], walls['uri'])),
                       'module/ping': median(ratios(walls['module'], walls['ping'])),
                       'uri/ping': median(ratios(walls['uri'], walls['ping']))},
        'ratio_cpu': {'module/uri': median(ratios(cpus['module'], cpus['uri'])),
                      'module/ping': median(ratios(cpus['module'], cpus['ping'])),
                      'uri/ping': median(ratios(cpus['uri'], cpus['ping']))},
        'ratio_per_task': {'module/uri': median(ratios(per_task['module'], per_task['uri'])),
                           'module/ping': median(ratios(per_task['module'], per_task['ping'])),
                           'uri/ping': median(ratios(per_task['uri'], per_task['ping']))},
        'request_rate': {contender: TASKS / summary(walls[contender])['median'] for contender in ('module', 'uri')},
    }
    results['payloads'] = _payloads(payloads, rounds)
    return results


def _payloads(payloads, rounds):
    """What AnsiballZ ships for each contender, and its run time and imports outside Ansible."""
    env = clean_env()

    walls = {contender: [] for contender in CONTENDERS}
    cpus = {contender: [] for contender in CONTENDERS}
    imports = {contender: [] for contender in CONTENDERS}
    for round_index in range(rounds):
        for contender in rotated(list(CONTENDERS), round_index):
            run = run_python([payloads[contender]], env=env, cwd=os.path.dirname(payloads[contender]), importtime=True)
            answer = json.loads(run.stdout.strip().splitlines()[-1])
            if answer.get('failed') or answer.get('changed'):
                raise BenchError('payload of %s: %s' % (contender, json.dumps(answer)[:2000]))
            walls[contender].append(run.wall)
            cpus[contender].append(run.cpu)
            imports[contender].append(parse_importtime(run.stderr))
    log('per-task cost: payloads run %d times each outside Ansible' % rounds)

    result = {}
    for contender in CONTENDERS:
        files = payload_files(payloads[contender])
        imported = set()
        for run_imports in imports[contender]:
            imported.update(run_imports)
        result[contender] = {
            'payload_bytes': os.path.getsize(payloads[contender]),
            'files': len(files),
            'collection_files': sorted(name for name in files if name.startswith('ansible_collections/')),
            'collection_imported': sorted(
                name for name in files if name.startswith('ansible_collections/') and _module_name(name) in imported),
            'module_file': next((name for name in files if '/plugins/modules/' in name and not name.endswith('__init__.py')), None),
            'third_party_imported': _third_party(imported),
            'wall': summary(walls[contender]),
            'cpu': summary(cpus[contender]),
            'import_total_ms': summary([sum(entry[0] for entry in run_imports.values()) / 1000.0
                                        for run_imports in imports[contender]]),
            'import_top': _top_imports(imports[contender]),
            'import_watch': _watched(imports[contender]),
            'import_groups': _import_groups(imports[contender]),
        }
    result['ratio_wall'] = {'module/uri': median(ratios(walls['module'], walls['uri'])),
                            'module/ping': median(ratios(walls['module'], walls['ping']))}
    result['ratio_cpu'] = {'module/uri': median(ratios(cpus['module'], cpus['uri'])),
                           'module/ping': median(ratios(cpus['module'], cpus['ping']))}
    return result


_REQUESTS_FAMILY = ('requests', 'urllib3', 'charset_normalizer', 'chardet', 'idna', 'certifi', 'simplejson')
_CRYPTOGRAPHY = ('cryptography', 'cffi', '_cffi_backend')
_STDLIB = set(getattr(sys, 'stdlib_module_names', ())) | {'__future__', 'sitecustomize'}


def _module_name(path):
    name = path[:-3] if path.endswith('.py') else path
    if name.endswith('/__init__'):
        name = name[:-len('/__init__')]
    return name.replace('/', '.')


def _third_party(names):
    """Top-level packages imported that are neither the standard library nor Ansible.

    ``-X importtime`` also lists imports that failed (requests tries ``chardet`` before
    ``charset_normalizer``): a package this Python cannot find is left out.
    """
    tops = {name.split('.')[0] for name in names}
    return sorted(top for top in tops if top not in _STDLIB and top not in ('ansible', 'ansible_collections', 'encodings')
                  and importlib.util.find_spec(top) is not None)


_WATCH = ('ansible.module_utils.basic', 'ansible.module_utils.urls', 'requests', 'simplejson', 'cryptography',
          'ansible_collections.iotpki.certificates.plugins.module_utils._http')


def _watched(runs):
    """Median cumulative import time (ms) of the imports named in ``_WATCH`` that the payload made."""
    found = {}
    for name in _WATCH:
        values = [run_imports[name][1] / 1000.0 for run_imports in runs if name in run_imports]
        if values:
            found[name] = median(values)
    return found


def _group(name):
    top = name.split('.')[0]
    if top == 'ansible_collections':
        return 'iotpki.certificates (module_utils)'
    if top == 'ansible':
        return 'ansible-core module_utils'
    if top in _REQUESTS_FAMILY:
        return 'requests and the packages it imports'
    if top in _CRYPTOGRAPHY:
        return 'cryptography'
    if top in _STDLIB or top == 'encodings':
        return 'Python standard library'
    return 'other packages'


def _import_groups(runs):
    """Median self time (ms) per group of modules."""
    totals = {}
    for run_imports in runs:
        per_group = {}
        for name, (self_us, _cumulative, _depth) in run_imports.items():
            per_group[_group(name)] = per_group.get(_group(name), 0) + self_us / 1000.0
        for group, value in per_group.items():
            totals.setdefault(group, []).append(value)
    return {group: median(values) for group, values in totals.items()}


def _top_imports(runs, count=12):
    """The costliest imports by median cumulative time (ms), without the AnsiballZ entry point."""
    cumulative = {}
    for run_imports in runs:
        for name, (_self, cumulative_us, depth) in run_imports.items():
            cumulative.setdefault(name, {'values': [], 'depth': depth})['values'].append(cumulative_us / 1000.0)
    rows = [(median(entry['values']), name, entry['depth']) for name, entry in cumulative.items()
            if not name.startswith('ansible.module_utils._internal._ansiballz') and not name.startswith('encodings')]
    rows.sort(reverse=True)
    return [{'module': name, 'cumulative_ms': value, 'depth': depth} for value, name, depth in rows[:count]]

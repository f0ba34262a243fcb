# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 2, listing at scale: ``iotda_certificate_info`` (kind device) over 10,000 device
certificates against the official Huawei Python SDK paging the same data.

Both sign with derived AK/SK (V11-HMAC-SHA256, the simulator's default instance mode) and read 50
records per request. Contenders, each a fresh process:

- ``playbook``: ansible-playbook with the one info task (what a user runs);
- ``module``: the module's AnsiballZ payload run directly (the module's own time, no controller);
- ``utils``: ``utils_list.py``, the same read through the collection's module_utils;
- ``sdk``: ``sdk_list.py``, the SDK script a user would write instead.
"""

from __future__ import annotations

import cProfile
import io
import json
import math
import os
import pstats
import re
import sysconfig
import time

from bench_headroom import hammer
from benchlib import (HERE, IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_REGION, IOTDA_SECRET_KEY, BenchError, clean_env,
                      collections_root, describe_requests, kept_payload, log, median, ratios, rotated, run_python,
                      summary, write_playbook)

MODULE = 'iotpki.certificates.iotda_certificate_info'
CONTENDERS = ('playbook', 'module', 'utils', 'sdk')
SIMULATOR_SECONDS = 1.0  # the simulator's own rate for the listing's page call, measured in every round


def _env():
    env = clean_env()
    env.update({'IOTDA_ACCESS_KEY': IOTDA_ACCESS_KEY, 'IOTDA_SECRET_KEY': IOTDA_SECRET_KEY,
                'IOTDA_PROJECT_ID': IOTDA_PROJECT_ID, 'IOTDA_REGION': IOTDA_REGION, 'PYTHONPATH': collections_root()})
    return env


def _check_requests(contender, entries, expected):
    found = describe_requests(entries)
    if found['by_call'] != {'GET /device-certificates': expected} or set(found['auth']) != {'derived'} \
            or set(found['statuses']) != {'200'}:
        raise BenchError('%s sent %r; expected exactly %d derived-signed GET /device-certificates' % (contender, found, expected))
    return found


def run(sim, runner, rounds, count):
    sim.reset()
    start = time.perf_counter()
    created = []
    for offset in range(0, count, 10000):
        created += sim.seed_device_certificates(generate={
            'count': min(10000, count - offset), 'common_name_prefix': 'perf-list-', 'expires_in_days': [-30, 730]})['created']
    seed_seconds = time.perf_counter() - start
    page_path = '/v5/iot/%s/device-certificates?limit=50&marker=%s' % (IOTDA_PROJECT_ID, created[len(created) // 2]['certificate_id'])
    expected = max(1, math.ceil(count / 50.0))
    log('listing: %d device certificates seeded in %.1f s; every contender must send exactly %d requests'
        % (count, seed_seconds, expected))

    task = {'name': 'list every device certificate', MODULE: {
        'kind': 'device', 'endpoint': sim.url, 'project_id': IOTDA_PROJECT_ID, 'region': IOTDA_REGION,
        'access_key': IOTDA_ACCESS_KEY, 'secret_key': IOTDA_SECRET_KEY}, 'register': 'perf_listing'}
    playbook = write_playbook(os.path.join(runner.workdir, 'listing.yml'), 'list %d device certificates' % count, [task])
    sim.clear_requests()
    runner.playbook(playbook, keep_remote_files=True)  # warm-up, and the payload for the "module" contender
    _check_requests('warm-up playbook', sim.requests(), expected)
    payload = kept_payload(runner, 'iotda_certificate_info')
    env = _env()
    endpoint = sim.url

    def contender_playbook():
        result = runner.playbook(playbook)
        returned = [item.get('returned') for item in result['tasks']]
        return {'wall': result['wall'], 'cpu': result['cpu'], 'records': returned[0], 'task': result['tasks'][0]['duration']}

    def contender_module():
        run = run_python([payload], env=env, cwd=os.path.dirname(payload))
        answer = json.loads(run.stdout.strip().splitlines()[-1])
        return {'wall': run.wall, 'cpu': run.cpu, 'records': answer.get('returned')}

    def contender_script(script):
        def measure():
            run = run_python([os.path.join(HERE, script), endpoint], env=env)
            answer = json.loads(run.stdout.strip().splitlines()[-1])
            return {'wall': run.wall, 'cpu': run.cpu, 'records': answer['records'], 'import': answer['import_seconds'],
                    'work': answer['work_seconds'], 'work_cpu': answer['work_cpu_seconds']}
        return measure

    measures = {'playbook': contender_playbook, 'module': contender_module, 'utils': contender_script('utils_list.py'),
                'sdk': contender_script('sdk_list.py')}
    samples = {contender: [] for contender in CONTENDERS}
    simulator_rates = []
    requests = {}
    for round_index in range(rounds):
        for contender in rotated(list(CONTENDERS) + ['simulator'], round_index):
            sim.clear_requests()
            if contender == 'simulator':  # the same page call, from a keep-alive client, as fast as it answers
                simulator_rates.append(hammer(sim.url, page_path, 1, SIMULATOR_SECONDS)[0])
                continue
            sample = measures[contender]()
            requests[contender] = _check_requests(contender, sim.requests(), expected)
            if sample['records'] != count:
                raise BenchError('%s returned %r records, expected %d' % (contender, sample['records'], count))
            samples[contender].append(sample)
        log('listing: round %d/%d: %s; simulator alone %.0f req/s' % (round_index + 1, rounds, ', '.join(
            '%s %.2f s' % (contender, samples[contender][-1]['wall']) for contender in CONTENDERS), simulator_rates[-1]))

    def values(contender, key):
        return [sample[key] for sample in samples[contender]]

    results = {
        'certificates': count,
        'expected_requests': expected,
        'seed_seconds': seed_seconds,
        'requests': requests,
        'wall': {contender: summary(values(contender, 'wall')) for contender in CONTENDERS},
        'cpu': {contender: summary(values(contender, 'cpu')) for contender in CONTENDERS},
        'playbook_task': summary(values('playbook', 'task')),
        'import': {contender: summary(values(contender, 'import')) for contender in ('utils', 'sdk')},
        'work': {contender: summary(values(contender, 'work')) for contender in ('utils', 'sdk')},
        'work_cpu': {contender: summary(values(contender, 'work_cpu')) for contender in ('utils', 'sdk')},
        'ratio': {
            'playbook/sdk': median(ratios(values('playbook', 'wall'), values('sdk', 'wall'))),
            'module/sdk': median(ratios(values('module', 'wall'), values('sdk', 'wall'))),
            'utils/sdk': median(ratios(values('utils', 'wall'), values('sdk', 'wall'))),
            'utils_work/sdk_work': median(ratios(values('utils', 'work'), values('sdk', 'work'))),
            'utils_import/sdk_import': median(ratios(values('utils', 'import'), values('sdk', 'import'))),
        },
        'ratio_cpu': {
            'playbook/sdk': median(ratios(values('playbook', 'cpu'), values('sdk', 'cpu'))),
            'module/sdk': median(ratios(values('module', 'cpu'), values('sdk', 'cpu'))),
            'utils/sdk': median(ratios(values('utils', 'cpu'), values('sdk', 'cpu'))),
            'utils_work/sdk_work': median(ratios(values('utils', 'work_cpu'), values('sdk', 'work_cpu'))),
        },
        'simulator_rate': summary(simulator_rates),
        'simulator_seconds': SIMULATOR_SECONDS,
        # per round: what the simulator answers alone / the rate of the busiest client (the module_utils paging)
        'simulator_headroom': median([rate * work / expected for rate, work in zip(simulator_rates, values('utils', 'work'))]),
        'request_rate': {
            'module': expected / summary(values('module', 'wall'))['median'],
            'utils (paging only)': expected / summary(values('utils', 'work'))['median'],
            'sdk (paging only)': expected / summary(values('sdk', 'work'))['median'],
        },
    }
    results['profile'] = _profile(endpoint, env, payload, runner.workdir)
    return results


def _profile(endpoint, env, payload, workdir):
    """Where the time goes: cProfile of the module_utils read (in this process) and of the module's payload."""
    # pylint: disable=import-error,import-outside-toplevel  # the collection: on PYTHONPATH in `make bench`
    from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient
    from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import read, read_query
    client = IotdaClient({'endpoint': endpoint, 'project_id': IOTDA_PROJECT_ID, 'region': IOTDA_REGION,
                          'access_key': IOTDA_ACCESS_KEY, 'secret_key': IOTDA_SECRET_KEY, 'signing': 'auto',
                          'validate_certs': True, 'timeout': 30.0, 'retries': 3})
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the environment the contenders see
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        read(client, read_query(kind='device'))
        profiler.disable()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(22)
    utils = _clean_profile(stream.getvalue())

    output = os.path.join(workdir, 'payload-profile.txt')
    run_python([os.path.join(HERE, 'profile_payload.py'), payload, output, '40'], env=env, cwd=os.path.dirname(payload))
    with open(output, encoding='utf-8') as handle:
        module = _clean_profile(handle.read(), skip=('runpy', '_ansiballz', 'builtins.exec', 'profile_payload', 'AnsiballZ_'))
    log('listing: profiles of the module_utils read and of the module payload taken')
    return {'utils': utils, 'module': module}


def _clean_profile(text, skip=()):
    """pstats output without long path prefixes and without the wrapper frames named in ``skip``."""
    for prefix in (collections_root(), sysconfig.get_paths()['purelib'], sysconfig.get_paths()['stdlib']):
        text = text.replace(prefix + os.sep, '')
    text = re.sub(r'\S*?_payload\.zip/', '', text)
    lines = [line.rstrip() for line in text.splitlines() if line.strip() and '<frozen ' not in line
             and '{built-in method builtins.__import__}' not in line and '{built-in method builtins.compile}' not in line]
    start = next((index for index, line in enumerate(lines) if line.lstrip().startswith('ncalls')), 0)
    header = [line.strip() for line in lines[:start] if 'function calls' in line]
    body = [line for line in lines[start + 1:] if not any(word in line for word in skip)]
    return '\n'.join(header + lines[start:start + 1] + body[:25])

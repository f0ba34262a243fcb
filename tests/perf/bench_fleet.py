# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 5, fleet operations (issue 13's targets), each figure against a baseline measured in the same run:

- ``writes``: N deactivations in one ``iotda_device_certificate`` task (``filters``, ``concurrency: 8``) with the
  simulator at 50 ms latency and 50 requests/s, against the rate limit itself (N / 50 s);
- ``loop``: an Ansible loop over the single form on a sample of the certificates, per certificate;
- ``sdk_write``: ``sdk_write.py``, the official SDK deactivating a sample one after the other, per certificate;
- ``listing_latency``: ``iotda_certificate_info`` over the listing size at 50 ms latency against ``sdk_list.py``;
- ``issuer``: the ``issuer`` filter over N candidates at 50 ms latency, ``concurrency: 8`` against ``concurrency: 1``
  on a sample, per candidate;
- ``large``: the module's listing of 10 times the listing size without latency against the listing size, with the
  module process's peak RSS.

The samples of the sequential baselines are smaller than N so that the section fits in a few minutes on a loaded
2-core machine; their figures are per certificate, which is what the targets compare.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchlib import (HERE, IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_REGION, IOTDA_SECRET_KEY, BenchError, clean_env,
                      collections_root, kept_payload, log, run_python, write_playbook)

LATENCY = 0.05
RATE_LIMIT = 50
CONNECTION = {'endpoint': None, 'project_id': IOTDA_PROJECT_ID, 'region': IOTDA_REGION,
              'access_key': IOTDA_ACCESS_KEY, 'secret_key': IOTDA_SECRET_KEY}


def _env():
    env = clean_env()
    env.update({'IOTDA_ACCESS_KEY': IOTDA_ACCESS_KEY, 'IOTDA_SECRET_KEY': IOTDA_SECRET_KEY,
                'IOTDA_PROJECT_ID': IOTDA_PROJECT_ID, 'IOTDA_REGION': IOTDA_REGION, 'PYTHONPATH': collections_root()})
    return env


def _task(runner, name, module, options, sim, loop=None, keep=False):
    """Run one task in its own playbook; its duration (timing callback), result and the playbook's wall time."""
    task = {'name': name, module: dict(CONNECTION, endpoint=sim.url, **options), 'register': 'perf_result'}
    if loop is not None:
        task['loop'] = loop
    saved = os.path.join(runner.workdir, 'fleet-result.json')
    save = {'name': 'save the result', 'ansible.builtin.copy': {'content': '{{ perf_result | to_json }}', 'dest': saved, 'mode': '0600'}}
    path = write_playbook(os.path.join(runner.workdir, 'fleet-%s.yml' % name.replace(' ', '-')), name, [task] + ([save] if loop is None else []))
    result = runner.playbook(path, keep_remote_files=keep)
    value = None
    if loop is None:
        with open(saved, encoding='utf-8') as handle:
            value = json.load(handle)
        os.unlink(saved)
    return result['tasks'][0]['duration'], value, result['wall']


def _seed(sim, count, prefix):
    created = []
    for offset in range(0, count, 10000):
        created += sim.seed_device_certificates(generate={'count': min(10000, count - offset), 'common_name_prefix': prefix,
                                                          'expires_in_days': [30, 700]})['created']
    return [item['certificate_id'] for item in created]


def _throttled(sim):
    return sum(1 for entry in sim.requests() if entry['status'] == 429)


def writes(sim, runner, count, sample):
    sim.reset()
    _seed(sim, count, 'perf-fleet-w-')
    loop_ids = _seed(sim, sample, 'perf-fleet-l-')
    sdk_ids = _seed(sim, sample, 'perf-fleet-s-')
    sim.set_latency(LATENCY)
    sim.set_rate_limit(RATE_LIMIT)
    try:
        sim.clear_requests()
        duration, result, wall = _task(runner, 'fleet deactivation', 'iotpki.certificates.iotda_device_certificate', {
            'filters': {'common_name_prefix': 'perf-fleet-w-', 'status': 'active'}, 'status': 'inactive', 'concurrency': 8}, sim)
        summary = result['summary']
        if summary['changed'] != count or summary['failed']:
            raise BenchError('fleet deactivation: %r' % summary)
        throttled = _throttled(sim)
        log('fleet: %d deactivations in %.1f s (task %.1f s), %d requests, %d answered 429' % (
            count, summary['seconds'], duration, summary['requests'], throttled))

        sim.clear_requests()
        loop_duration, _value, _wall = _task(runner, 'loop deactivation', 'iotpki.certificates.iotda_device_certificate', {
            'certificate_id': '{{ item }}', 'status': 'inactive'}, sim, loop=loop_ids)
        log('fleet: a loop over the single form, %d certificates in %.1f s' % (sample, loop_duration))

        sim.clear_requests()
        sdk = run_python([os.path.join(HERE, 'sdk_write.py'), sim.url] + sdk_ids, env=_env())
        answer = json.loads(sdk.stdout.strip().splitlines()[-1])
        if answer['writes'] != sample or len([e for e in sim.requests() if e['method'] == 'PUT' and e['status'] == 200]) != sample:
            raise BenchError('sdk_write.py: %r' % answer)
        log('fleet: the SDK script, %d certificates in %.1f s (import %.1f s)' % (sample, answer['work_seconds'], answer['import_seconds']))
    finally:
        sim.set_latency(0)
        sim.set_rate_limit(None)
    fleet_per = duration / count
    loop_per = loop_duration / sample
    sdk_per = (answer['import_seconds'] + answer['work_seconds'] * count / sample) / count  # the import once for N writes
    return {
        'count': count, 'sample': sample, 'latency': LATENCY, 'rate_limit': RATE_LIMIT,
        'fleet': {'seconds': summary['seconds'], 'task': duration, 'wall': wall, 'requests': summary['requests'], 'throttled': throttled,
                  'writes_per_second': count / summary['seconds'], 'per_certificate': fleet_per},
        'baseline_limit_seconds': count / float(RATE_LIMIT),
        'loop': {'task': loop_duration, 'per_certificate': loop_per},
        'sdk': {'import': answer['import_seconds'], 'work': answer['work_seconds'], 'per_certificate': sdk_per},
        'ratio': {'rate/limit': (count / summary['seconds']) / RATE_LIMIT, 'loop/fleet': loop_per / fleet_per, 'sdk/fleet': sdk_per / fleet_per},
    }


def listing_latency(sim, runner, count):
    sim.reset()
    _seed(sim, count, 'perf-fleet-list-')
    sim.set_latency(LATENCY)
    try:
        sim.clear_requests()
        duration, result, wall = _task(runner, 'listing at latency', 'iotpki.certificates.iotda_certificate_info', {'kind': 'device'}, sim)
        requests = len(sim.requests())
        if result['returned'] != count:
            raise BenchError('listing at latency returned %r' % result['returned'])
        sdk = run_python([os.path.join(HERE, 'sdk_list.py'), sim.url], env=_env())
        answer = json.loads(sdk.stdout.strip().splitlines()[-1])
    finally:
        sim.set_latency(0)
    log('fleet: listing %d at %d ms: module task %.1f s (%d requests), SDK %.1f s' % (count, LATENCY * 1000, duration, requests, sdk.wall))
    return {'count': count, 'latency': LATENCY, 'module_task': duration, 'playbook_wall': wall, 'requests': requests,
            'sdk_wall': sdk.wall, 'sdk_pages': answer['pages'], 'ratio': {'module/sdk': duration / sdk.wall}}


def issuer(sim, runner, count, sample):
    sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
    from iotpki_test.certificates import issue  # pylint: disable=import-outside-toplevel

    sim.reset()
    ca = issue('perf-issuer-ca', ca=True)
    other = issue('perf-other-ca', ca=True)
    started = time.perf_counter()
    pems = [issue('perf-iss-%s-%d' % ('s' if n < sample else 'x', n), issuer=ca if n % 2 else other).pem for n in range(count)]
    sim.seed_device_certificates(certificates=[{'pem': pem, 'status': 'ACTIVE'} for pem in pems])
    log('fleet: %d candidate certificates issued and seeded in %.1f s' % (count, time.perf_counter() - started))
    sim.set_latency(LATENCY)
    try:
        sim.clear_requests()
        parallel, result, _wall = _task(runner, 'issuer parallel', 'iotpki.certificates.iotda_certificate_info', {
            'kind': 'device', 'issuer': ca.pem, 'concurrency': 8}, sim)
        if result['returned'] != count // 2:
            raise BenchError('issuer filter kept %r of %d' % (result['returned'], count))
        sim.clear_requests()
        sequential, result, _wall = _task(runner, 'issuer sequential', 'iotpki.certificates.iotda_certificate_info', {
            'kind': 'device', 'issuer': ca.pem, 'concurrency': 1, 'common_name': 'perf-iss-s-'}, sim)
        if result['returned'] != sample // 2:
            raise BenchError('sequential issuer filter kept %r of %d' % (result['returned'], sample))
    finally:
        sim.set_latency(0)
    log('fleet: issuer over %d candidates: concurrency 8 %.1f s; concurrency 1 over %d: %.1f s' % (count, parallel, sample, sequential))
    return {'count': count, 'sample': sample, 'latency': LATENCY, 'parallel_task': parallel, 'sequential_task': sequential,
            'ratio': {'sequential/parallel per candidate': (sequential / sample) / (parallel / count)}}


def _peak_rss_run(payload):
    """Run the kept module payload in a child of a fresh Python; (wall seconds, peak RSS of the module process in MB)."""
    code = ('import resource, subprocess, sys, time; started = time.perf_counter(); '
            'done = subprocess.run([sys.executable, sys.argv[1]], cwd=sys.argv[2], stdout=subprocess.DEVNULL); '
            'print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)')
    output = subprocess.run([sys.executable, '-c', code, payload, os.path.dirname(payload)], env=_env(), stdout=subprocess.PIPE,
                            text=True, check=True).stdout.split()
    if output[2] != '0':
        raise BenchError('the module payload %s failed' % payload)
    return float(output[0]), int(output[1]) / 1024.0


def large(sim, runner, count):
    figures = {}
    for size in (count, 10 * count):
        sim.reset()
        started = time.perf_counter()
        _seed(sim, size, 'perf-large-')
        log('fleet: %d device certificates seeded in %.1f s' % (size, time.perf_counter() - started))
        _duration, result, _wall = _task(runner, 'large listing %d' % size, 'iotpki.certificates.iotda_certificate_info',
                                         {'kind': 'device'}, sim, keep=True)
        if result['returned'] != size:
            raise BenchError('large listing returned %r of %d' % (result['returned'], size))
        payload = kept_payload(runner, 'iotda_certificate_info')
        sim.clear_requests()
        wall, rss = _peak_rss_run(payload)
        figures[size] = {'module_wall': wall, 'peak_rss_mb': rss, 'requests': len(sim.requests())}
        log('fleet: module listing %d: %.1f s, peak RSS %.0f MB, %d requests' % (size, wall, rss, figures[size]['requests']))
    return {'sizes': [count, 10 * count], 'runs': {str(size): value for size, value in figures.items()},
            'ratio': {'large/base': figures[10 * count]['module_wall'] / figures[count]['module_wall']}}


def run(sim, runner, writes_count, sample, listing_count):
    return {
        'writes': writes(sim, runner, writes_count, sample),
        'listing_latency': listing_latency(sim, runner, listing_count),
        'issuer': issuer(sim, runner, writes_count, sample),
        'large': large(sim, runner, listing_count),
    }

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 3, idempotent re-run: the ``make demo`` playbooks (``docs/examples/*.yml``) a second time.

The playbooks run once against a fresh simulator with the demo's settings (AK/SK, derived signing
for IoTDA, the EnOS gateway), then again in every round: each re-run must report ``changed=0``,
send no write, and send the same requests every round. The request count is compared with the
floor: what any client needs to learn that nothing has to change.
"""

from __future__ import annotations

import glob
import os

from benchlib import REPO, BenchError, describe_requests, log, rotated, summary

EXAMPLES = os.path.join(REPO, 'docs', 'examples')
COLLECTION_PREFIX = 'iotpki.certificates.'

# The floor of each demo playbook's re-run, and why. ``requests`` is the number of platform requests
# (the simulator's /_sim controls are never counted). Playbooks without an entry are reported with
# their measured count only.
FLOORS = {
    '10_iotda_ca_onboarding.yml': {
        'requests': 2,
        'why': 'The CA is named by its PEM, and the IoTDA CA list returns neither PEM nor fingerprint: one list '
               'page (up to 50 CAs) finds the candidates with the same CN and validity, and one show call per '
               'candidate (one here) compares the PEM. The list record already says whether the CA is verified '
               'and bound to the template.',
    },
    '20_iotda_device_certificate.yml': {
        'requests': 1,
        'why': 'The device certificate is named by its PEM: one list call with the fingerprint filter finds it '
               'and shows its status.',
    },
    '30_expiry_report.yml': {
        'requests': 3,
        'why': 'Three reads: the setup check (one device list page, max_results 1), the CA list and the device '
               'list (one page each: fewer than 50 certificates). The platform cannot filter by expiry, so a '
               'listing is the floor.',
    },
    '70_fleet_deactivation.yml': {
        'requests': 13,
        'why': 'The setup check (one device list page, max_results 1), then the preview and the fleet task each list '
               'the 300 certificates of the batch once (6 pages of 50 with the common name prefix filter): nothing is '
               'left to deactivate, so no write.',
    },
    '40_enos_revoke_compromised.yml': {
        'requests': 4,
        'why': 'Two module calls, each a new process: each needs an EnOS access token (the token service) and '
               'one certificate list of the device. Reusing a token across processes would mean storing it.',
    },
}


def _collection_tasks(result):
    return [task for task in result['tasks'] if task['action'].startswith(COLLECTION_PREFIX)]


def run(sim, runner, rounds):
    playbooks = sorted(glob.glob(os.path.join(EXAMPLES, '*.yml')))
    if not playbooks:
        raise BenchError('no playbooks in docs/examples')
    names = [os.path.basename(path) for path in playbooks]
    env = sim.connection_env()  # what `make demo` exports: IoTDA AK/SK (derived signing), the EnOS gateway
    sim.reset()
    first = {}
    for path, name in zip(playbooks, names):
        sim.clear_requests()
        result = runner.playbook(path, extra_env=env)
        first[name] = {'requests': describe_requests(sim.requests()), 'changed': result['changed'], 'wall': result['wall']}
    log('re-run: first run of %d demo playbooks done' % len(names))

    walls = {name: [] for name in names}
    cpus = {name: [] for name in names}
    module_seconds = {name: [] for name in names}
    requests = {}
    for round_index in range(rounds):
        for path, name in rotated(list(zip(playbooks, names)), round_index):
            sim.clear_requests()
            result = runner.playbook(path, extra_env=env)
            found = describe_requests(sim.requests())
            if result['changed']:
                raise BenchError('%s is not idempotent: changed=%d on a re-run' % (name, result['changed']))
            if found['writes']:
                raise BenchError('%s sent %d writes on a re-run: %r' % (name, found['writes'], found['by_call']))
            if name in requests and requests[name]['by_call'] != found['by_call']:
                raise BenchError('%s sent different requests in two re-runs: %r, then %r'
                                 % (name, requests[name]['by_call'], found['by_call']))
            requests[name] = found
            walls[name].append(result['wall'])
            cpus[name].append(result['cpu'])
            tasks = _collection_tasks(result)
            module_seconds[name].append(sum(task['duration'] for task in tasks))
            requests[name]['module_tasks'] = len(tasks)
        log('re-run: round %d/%d: %s' % (round_index + 1, rounds, ', '.join(
            '%s %.1f s' % (name.split('_')[0], walls[name][-1]) for name in names)))

    per_playbook = {}
    for name in names:
        floor = FLOORS.get(name)
        per_playbook[name] = {
            'first_run': first[name],
            'requests': requests[name],
            'floor': floor['requests'] if floor else None,
            'why': floor['why'] if floor else None,
            'wall': summary(walls[name]),
            'cpu': summary(cpus[name]),
            'module_seconds': summary(module_seconds[name]),
        }
    total_wall = [sum(values) for values in zip(*(walls[name] for name in names))]
    return {
        'playbooks': per_playbook,
        'total_requests': sum(requests[name]['count'] for name in names),
        'total_floor': sum(FLOORS[name]['requests'] for name in names if name in FLOORS),
        'total_wall': summary(total_wall),
        'total_cpu': summary([sum(values) for values in zip(*(cpus[name] for name in names))]),
        'request_rate': max(requests[name]['count'] / summary(walls[name])['median'] for name in names),
    }

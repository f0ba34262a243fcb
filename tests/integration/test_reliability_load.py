# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load: 200 inventory hosts, 20 forks, each delegating one write to localhost against the simulator.

100 hosts each deactivate their own IoTDA device certificate and 100 hosts each revoke their own
EnOS certificate, all in one ansible-playbook run. Every host must succeed; the request log must
hold exactly the expected requests (no request lost, none duplicated, no retry needed: one show
and one PUT per IoTDA certificate; one token, two lists and one revoke per EnOS device), and the
platform must end exactly as intended, bystanders untouched. The numbers go to
``tests/output/reliability/load.json``.
"""

from __future__ import annotations

import collections
import json
import os
import time

from iotpki_test.paths import REPO

HOSTS = 200
FORKS = 20
RESULTS_DIR = os.path.join(REPO, 'tests', 'output', 'reliability')


def test_two_hundred_hosts_twenty_forks(sim, run_playbook, tmp_path):
    per_platform = HOSTS // 2
    certs = sim.seed_device_certificates(generate={'count': per_platform, 'common_name_prefix': 'load-dev-', 'status': 'ACTIVE'})['created']
    bystanders = sim.seed_device_certificates(generate={'count': 20, 'common_name_prefix': 'bystander-', 'status': 'ACTIVE'})['created']
    assets = ['load-asset-%03d' % i for i in range(per_platform)]
    sim.seed_enos_devices([{'asset_id': asset} for asset in assets])
    seeded = sim.seed_enos_certificate(certificates=[{'asset_id': asset, 'cert_sn': 70000 + i, 'status': 'valid'} for i, asset in enumerate(assets)]
                                       + [{'asset_id': asset, 'cert_sn': 80000 + i, 'status': 'valid'} for i, asset in enumerate(assets)])
    assert len(seeded['created']) == 2 * per_platform  # each device also has a second, bystander certificate

    local = {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    inventory = {'all': {'hosts': {'localhost': local}, 'children': {
        'load_iotda': {'hosts': {'load-%03d' % i: dict(local, load_certificate_id=cert['certificate_id']) for i, cert in enumerate(certs)}},
        'load_enos': {'hosts': {'load-%03d' % (per_platform + i): dict(local, load_asset_id=asset, load_cert_sn=70000 + i)
                                for i, asset in enumerate(assets)}},
    }}}
    inventory_file = tmp_path / 'load.json'
    inventory_file.write_text(json.dumps(inventory), encoding='utf-8')
    sim.clear_requests()

    started = time.monotonic()
    run = run_playbook('reliability_load', env={'ANSIBLE_INVENTORY': str(inventory_file), 'ANSIBLE_FORKS': str(FORKS)}, timeout=1200)
    wall = time.monotonic() - started
    assert run.failed == 0
    assert sum(host.get('ok', 0) for name, host in run.stats.items() if name != 'localhost') == HOSTS

    full_log = sim.requests()
    # Token requests refused as a replay (1001: two runs asked in the same millisecond) are asked
    # again by the module with a fresh timestamp; they are counted apart.
    replayed = [r for r in full_log if r['platform'] == 'enos-token' and r['code'] == 1001]
    log = [r for r in full_log if r not in replayed]
    assert all(200 <= r['status'] < 300 and r['code'] in (None, 0) and not r['fault'] for r in log), [r for r in log if r['code']][:5]
    iotda = collections.Counter((r['method'], r['path'].rsplit('/', 1)[-1]) for r in log if r['platform'] == 'iotda')
    expected_iotda = collections.Counter({('GET', c['certificate_id']): 1 for c in certs})
    expected_iotda.update({('PUT', c['certificate_id']): 1 for c in certs})
    assert iotda == expected_iotda
    enos = collections.Counter((r['method'], r['query']['action'], r['query']['assetId']) for r in log if r['platform'] == 'enos')
    expected_enos = collections.Counter({('GET', 'list', asset): 2 for asset in assets})
    expected_enos.update({('POST', 'revoke', asset): 1 for asset in assets})
    assert enos == expected_enos
    tokens = len([r for r in log if r['platform'] == 'enos-token'])
    assert tokens == per_platform
    writes = [r for r in log if r['write']]
    assert len(writes) == HOSTS

    state = sim.state()
    statuses = {c['certificate_id']: c['status'] for c in state['iotda']['device_certificates']}
    assert {statuses[c['certificate_id']] for c in certs} == {'INACTIVE'}
    assert {statuses[c['certificate_id']] for c in bystanders} == {'ACTIVE'}
    enos_state = {c['cert_sn']: (c['status'], c['revoke_reason']) for c in state['enos']['certificates']}
    assert {enos_state[70000 + i] for i in range(per_platform)} == {('revoked', 'KEY COMPROMISE')}
    assert {enos_state[80000 + i][0] for i in range(per_platform)} == {'valid'}

    numbers = {'hosts': HOSTS, 'forks': FORKS, 'wall_seconds': round(wall, 1), 'requests': len(log), 'writes': len(writes),
               'iotda_requests': sum(iotda.values()), 'enos_requests': sum(enos.values()), 'enos_token_requests': tokens,
               'enos_token_requests_refused_as_replay': len(replayed)}
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, 'load.json'), 'w', encoding='utf-8') as handle:
        json.dump(numbers, handle, indent=2)
    print('\nload: %s' % json.dumps(numbers))

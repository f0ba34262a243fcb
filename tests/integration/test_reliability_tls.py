# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS against the simulator's HTTPS listener, for both platforms and the lookup.

Default verification fails on the simulator's generated CA with a message that names TLS
verification and ca_path, and is not retried (no request reaches the platform); ``ca_path`` makes
it pass (reads and a write); ``validate_certs: false`` passes with one warning per module run
(and one for the lookup), never urllib3's per-request InsecureRequestWarning.
"""

from __future__ import annotations

import json
import os

from iotpki_test.paths import REPO

RESULTS_DIR = os.path.join(REPO, 'tests', 'output', 'reliability')


def test_tls_verification(sim, run_playbook):
    created = sim.seed_device_certificates(generate={'count': 2, 'common_name_prefix': 'tls-dev-'})['created']
    sim.seed_enos_devices([{'asset_id': 'tls-asset-1'}])
    sim.seed_enos_certificate(asset_id='tls-asset-1', status='valid')
    sim.clear_requests()

    run = run_playbook('reliability_tls', extra_vars={'tls_device_cn': created[0]['common_name']})
    assert run.failed == 0
    output = run.stdout + run.stderr
    assert 'InsecureRequestWarning' not in output and 'Traceback' not in output
    assert 'validate_certs is false' in output  # ansible-core shows a repeated warning once; the results carry one each

    requests = sim.requests()
    # Only the runs that passed reached the platform: the failed handshakes sent nothing, and were not retried.
    per_platform = {platform: len([r for r in requests if r['platform'] == platform]) for platform in ('iotda', 'enos', 'enos-token')}
    # IoTDA: list (ca_path), list + PUT (write), list (insecure), 2 lookups; EnOS: 2 lists and their 2 tokens.
    assert per_platform == {'iotda': 6, 'enos': 2, 'enos-token': 2}, per_platform
    assert [r['method'] for r in requests if r['write']] == ['PUT']

    default = run.task('IoTDA, default verification, unknown CA')
    enos_default = run.task('EnOS, default verification, unknown CA')
    summary = {
        'iotda_default_verification': default['msg'],
        'enos_default_verification': enos_default['msg'],
        'requests_per_platform': per_platform,
        'insecure_warnings': run.task('IoTDA without verification').get('warnings'),
    }
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, 'tls.json'), 'w', encoding='utf-8') as handle:
        json.dump(summary, handle, indent=2)
    print('\nTLS: %s' % json.dumps(summary, indent=2))

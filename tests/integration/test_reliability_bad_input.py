# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Representative bad input, with real ansible-playbook: a clear message, no request, no traceback.

The generated cases (hypothesis) are in tests/unit/fuzz/test_fuzz_input.py; these are the same
kinds of mistakes made through Ansible, for every module and the lookup.
"""

from __future__ import annotations

from iotpki_test.certificates import issue

PASSPHRASE = 'bad-input-passphrase-42'


def test_bad_input_sends_no_request(sim, run_playbook):
    ca = issue('Bad Input CA', ca=True, days=30, organization='iotpki reliability')
    pem, key = ca.pem, ca.key_pem(PASSPHRASE)
    sim.clear_requests()
    run = run_playbook('reliability_bad_input', extra_vars={'bad_input_ca_pem': pem, 'bad_input_ca_key': key},
                       secrets=[PASSPHRASE] + [line for line in key.splitlines() if not line.startswith('-----')])
    assert run.failed == 0
    assert sim.requests() == []
    assert 'Traceback' not in run.stdout + run.stderr
    refused = [r for r in run.results if r['action'].startswith('iotpki.certificates.') and r['result'].get('msg')]
    assert len(refused) == 9  # and the lookup, checked in the playbook

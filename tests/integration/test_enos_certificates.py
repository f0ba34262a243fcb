# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""enos_certificate_revoke and enos_certificate_info with real Ansible runs against the simulator.

Every playbook asserts its own results; these tests add what only the simulator can tell: how
many requests of each kind a run sent, and what the platform holds afterwards.
"""

from __future__ import annotations

import collections

import pytest

TOKEN = 'enos-token'


def seed(sim):
    """Two devices of one product; certificates in every status."""
    sim.seed_enos_devices([
        {'asset_id': 'enos-it-asset-1', 'product_key': 'enos-it-pk', 'device_key': 'meter-1'},
        {'asset_id': 'enos-it-asset-2', 'product_key': 'enos-it-pk', 'device_key': 'meter-2'},
    ])
    sim.seed_enos_certificate(certificates=[
        {'asset_id': 'enos-it-asset-1', 'cert_sn': 1001, 'status': 'valid', 'expires_in_days': 200},
        {'asset_id': 'enos-it-asset-1', 'cert_sn': 1003, 'status': 'expired', 'expires_in_days': -3},
        {'asset_id': 'enos-it-asset-1', 'cert_sn': 1004, 'status': 'revoked', 'revoke_reason': 4},
        {'asset_id': 'enos-it-asset-2', 'cert_sn': 2001, 'status': 'valid'},
    ])


def counts(requests):
    """(token requests, EnOS business requests, writes)."""
    platforms = collections.Counter(r['platform'] for r in requests)
    return platforms[TOKEN], platforms['enos'], sum(1 for r in requests if r['write'])


def enos_certs(sim):
    return {c['cert_sn']: c for c in sim.state()['enos']['certificates']}


@pytest.mark.compat
def test_revoke_lifecycle_and_idempotent_rerun(sim, run_playbook):
    seed(sim)
    first = run_playbook('enos_revoke')
    assert first.failed == 0

    # Ten module runs: one token each; 14 business requests; the two revocations are the only writes.
    assert counts(sim.requests()) == (10, 14, 2)
    predicted = first.task('Predict the revocation (check and diff)')
    revoked = first.task('Revoke the certificate')
    assert predicted['changed'] and predicted['certificate']['revoker'] is None
    assert revoked['certificate']['revoke_reason'] == 'key_compromise'
    assert revoked['diff']['after'] == dict(predicted['diff']['after'], revoker=revoked['certificate']['revoker'])
    assert any('expired' in w for w in first.task('Revoke an expired certificate').get('warnings', []))
    assert first.task('Revoke on a device that does not exist')['error']['code'] == 11404
    unknown = first.task('Revoke a serial the device does not have')['msg']
    assert unknown == 'certificate 4242 is not bound to EnOS device asset_id=enos-it-asset-1 (certificates bound to it: 1001, 1003, 1004)'

    held = enos_certs(sim)
    assert (held[1001]['status'], held[1001]['revoke_reason']) == ('revoked', 'KEY COMPROMISE')
    assert (held[2001]['status'], held[2001]['revoke_reason']) == ('revoked', 'SUPERSEDED')
    assert held[1003]['status'] == 'expired'

    sim.clear_requests()
    again = run_playbook('enos_revoke_again')
    assert again.changed == 0
    requests = sim.requests()
    # The floor for an already revoked certificate: one token request and one list, no write.
    assert counts(requests) == (1, 1, 0)
    assert [(r['platform'], r['method'], r['query'].get('action')) for r in requests] == [(TOKEN, 'POST', None), ('enos', 'GET', 'list')]


def test_bad_input_sends_no_request(sim, run_playbook):
    seed(sim)
    sim.clear_requests()
    run = run_playbook('enos_bad_input')
    assert run.failed == 0
    assert sim.requests() == []


def test_429_is_retried_and_99500_reported(sim, run_playbook):
    seed(sim)
    sim.clear_requests()
    sim.fault(status=429, retry_after=1, match={'platform': 'enos', 'method': 'GET'})
    sim.fault(enos_code=99500, msg='Internal error of certificate service.', match={'platform': 'enos', 'method': 'POST'})
    run = run_playbook('enos_faults')
    assert run.failed == 0

    error = run.task('Revoke while the certificate service fails')['error']
    assert error['code'] == 99500 and error['request_id'] and error['message'] == 'Internal error of certificate service.'
    requests = sim.requests()
    statuses = [(r['method'], r['status']) for r in requests if r['platform'] == 'enos']
    # info: 429 then 200; revoke: list, then the POST answered with 99500 (HTTP 200, never retried); info.
    assert statuses == [('GET', 429), ('GET', 200), ('GET', 200), ('POST', 200), ('GET', 200)]
    assert [r['code'] for r in requests if r['method'] == 'POST' and r['platform'] == 'enos'] == [99500]
    assert counts(requests)[0] == 3
    assert enos_certs(sim)[1001]['status'] == 'valid'


@pytest.mark.compat
def test_expired_token_is_fetched_again_once_ad_hoc_info(sim, ansible_module):
    seed(sim)
    # The other spelling of the effective date, and PEM bodies in the list answer (never returned).
    sim.config(enos_effective_date_key='effectiveDate', enos_list_cert_field='pem')
    sim.clear_requests()
    # The first business call answers "access token expired" (HTTP 200, code 1203).
    sim.fault(enos_code=1203, match={'platform': 'enos'})
    run = ansible_module('enos_certificate_info', {'asset_id': 'enos-it-asset-1', 'status': 'valid'})
    assert not run.failed and not run.changed
    certificates = run.result['certificates']
    assert [c['cert_sn'] for c in certificates] == [1001]
    assert certificates[0]['effective_date'].endswith('Z') and 'BEGIN CERTIFICATE' not in run.stdout
    assert isinstance(certificates[0]['expires_in_days'], int) and 198 <= certificates[0]['expires_in_days'] <= 200
    requests = sim.requests()
    assert [(r['platform'], r['code'], r['fault']) for r in requests] == [
        (TOKEN, None, False), ('enos', 1203, True), (TOKEN, None, False), ('enos', None, False)]
    assert counts(requests) == (2, 2, 0)

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""enos_certificate with real ansible-playbook runs against the simulator: apply, no-op, renew,
force, check mode, a lost answer, and bad input (no request at all)."""

from __future__ import annotations

import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from iotpki_test import certificates
from iotpki_test.certificates import new_key

ASSET = 'lc-asset-1'


# The subject EnOS expects in a device CSR.
ENOS_SUBJECT = x509.Name([x509.NameAttribute(oid, value) for oid, value in (
    (NameOID.COUNTRY_NAME, 'CN'), (NameOID.STATE_OR_PROVINCE_NAME, 'Shanghai'), (NameOID.LOCALITY_NAME, 'Shanghai'),
    (NameOID.ORGANIZATION_NAME, 'EnOS'), (NameOID.ORGANIZATIONAL_UNIT_NAME, 'EnOS'), (NameOID.COMMON_NAME, 'lc-meter-1'))])


def make_csr(key=None, algorithm=None):
    return certificates.make_csr(key or new_key('rsa'), ENOS_SUBJECT, algorithm)


def seed_device(sim):
    sim.seed_enos_devices([{'asset_id': ASSET, 'product_key': 'lc-pk', 'device_key': 'lc-meter-1'}])


def writes(sim, action=None):
    return [r for r in sim.requests() if r['platform'] == 'enos' and r['write']
            and (action is None or r['query'].get('action') == action)]


@pytest.mark.compat
def test_apply_then_no_op(sim, run_playbook):
    seed_device(sim)
    first = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET, 'csr': make_csr(), 'valid_days': 365})
    issued = first.task('Ensure a valid certificate')
    assert issued['changed'] and issued['previous'] is None and issued['diff']['before'] == {}
    certificate = x509.load_pem_x509_certificate(issued['certificate_pem'].encode())
    assert certificate.serial_number == issued['certificate']['cert_sn']
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'lc-meter-1'
    assert issued['certificate']['expires_in_days'] in (363, 364)
    assert issued['certificate']['issue_authority'].lower() == 'rsa'
    assert 'BEGIN CERTIFICATE' in issued['ca_certificate_pem'] and issued['cert_chain_url']
    assert [r['query']['action'] for r in writes(sim)] == ['apply']

    sim.clear_requests()
    again = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET, 'csr': make_csr(), 'valid_days': 365})
    assert again.changed == 0 and writes(sim) == []
    unchanged = again.task('Ensure a valid certificate')
    assert 'certificate_pem' not in unchanged
    assert unchanged['certificate'] == {k: v for k, v in issued['certificate'].items() if k != 'certificate_pem'}


def test_check_mode_predicts_without_pem_or_write(sim, run_playbook):
    seed_device(sim)
    run = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET, 'csr': make_csr(), 'valid_days': 100},
                       check=True, diff=True)
    predicted = run.task('Ensure a valid certificate')
    assert predicted['changed'] and predicted['certificate']['cert_sn'] is None
    assert predicted['certificate']['expires_in_days'] in (99, 100)
    assert 'certificate_pem' not in predicted and 'certificate_pem' not in predicted['certificate']
    assert writes(sim) == [] and sim.state()['enos']['certificates'] == []


def test_renew_within_window_then_no_op(sim, run_playbook):
    seed_device(sim)
    sim.seed_enos_certificate(asset_id=ASSET, cert_sn=5000, expires_in_days=10, common_name='lc-meter-1')
    run = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET, 'valid_days': 200})
    renewed = run.task('Ensure a valid certificate')
    assert renewed['changed'] and renewed['diff']['before']['cert_sn'] == 5000
    assert renewed['certificate']['cert_sn'] != 5000 and renewed['previous']['cert_sn'] == 5000
    assert renewed['previous']['status'] == 'revoked'
    assert [r['query']['action'] for r in writes(sim)] == ['renew']

    sim.clear_requests()
    again = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET, 'valid_days': 200})
    assert again.changed == 0 and writes(sim) == []


def test_force_renews_a_certificate_far_from_expiry(sim, run_playbook):
    seed_device(sim)
    sim.seed_enos_certificate(asset_id=ASSET, cert_sn=6000, expires_in_days=300, common_name='lc-meter-1')
    quiet = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET})
    assert quiet.changed == 0
    forced = run_playbook('lifecycle_enos_certificate', extra_vars={'asset_id': ASSET, 'force': True, 'csr': make_csr()})
    result = forced.task('Ensure a valid certificate')
    assert result['changed'] and result['previous']['cert_sn'] == 6000 and result['certificate']['cert_sn'] != 6000
    assert [r['query']['action'] for r in writes(sim)] == ['renew']


def test_lost_answer_is_never_sent_twice(sim, run_playbook):
    seed_device(sim)
    sim.fault(status=500, after_processing=True, match={'platform': 'enos', 'method': 'POST', 'query': {'action': 'apply'}})
    args = {'asset_id': ASSET, 'csr': make_csr(), 'valid_days': 365}
    lost = run_playbook('lifecycle_enos_certificate', extra_vars=args, expect_rc=2)
    failed = lost.task('Ensure a valid certificate')
    assert 'answer was lost' in failed['msg'] and 'never sent twice' in failed['msg']
    assert failed['error']['http_status'] == 500
    issued_sn = failed['certificate']['cert_sn']
    assert str(issued_sn) in failed['msg']

    rerun = run_playbook('lifecycle_enos_certificate', extra_vars=args)
    assert rerun.changed == 0
    assert rerun.task('Ensure a valid certificate')['certificate']['cert_sn'] == issued_sn
    assert len(writes(sim, 'apply')) == 1 and len(sim.state()['enos']['certificates']) == 1


@pytest.mark.parametrize('args, message', [
    ({'csr': 'not a csr'}, 'csr is not a PEM certificate signing request'),
    ({'csr': 'EC'}, 'csr has an EC key on curve secp256r1, but issue_authority=rsa needs a 2048-bit RSA key'),
    ({'csr': 'RSA', 'issue_authority': 'ecc'}, 'csr has a 2048-bit RSA key, but issue_authority=ecc needs a P-256'),
    ({'csr': 'RSA3072'}, 'csr has a 3072-bit RSA key'),
    ({'csr': 'SHA384'}, 'csr is signed with sha384; EnOS needs a SHA-256 signature'),
    ({'csr': 'RSA', 'product_key': 'lc-pk', 'device_key': 'lc-meter-1'}, 'select the EnOS device one way'),
    ({'csr': 'RSA', 'valid_days': 0}, 'valid_days must be greater than 0, got 0'),
])
def test_bad_input_fails_before_any_request(sim, ansible_module, args, message):
    seed_device(sim)
    csrs = {
        'EC': lambda: make_csr(key=new_key()),
        'RSA': make_csr,
        'RSA3072': lambda: make_csr(key=new_key('rsa', 3072)),
        'SHA384': lambda: make_csr(algorithm=hashes.SHA384()),
    }
    args = dict({'asset_id': ASSET}, **args)
    if args['csr'] in csrs:
        args['csr'] = csrs[args['csr']]()
    sim.clear_requests()
    run = ansible_module('enos_certificate', json.dumps(args), expect_rc=2)
    assert run.failed and message in run.result['msg'], run.result
    assert 'Traceback' not in run.stdout + run.stderr
    assert sim.requests() == []

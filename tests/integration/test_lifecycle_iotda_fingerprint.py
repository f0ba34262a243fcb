# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iotda_device_fingerprint with real ansible-playbook runs against the simulator: stage, promote,
re-runs, SHA-1 against SHA-256 of one certificate, a SECRET device, bad input, a lost answer, and
the fleet form on 50 devices. Device secrets are registered with the leak scan of every run."""

from __future__ import annotations

import pytest
from iotpki_test.certificates import issue

PLAYBOOK = 'lifecycle_iotda_fingerprint'
DEVICE = 'lc-product_lc-meter-1'
SECRET = 'lc-device-secret-0001'
SECONDARY_SECRET = 'lc-device-secret-0002'


def certificate(common_name):
    """(PEM, SHA-256, SHA-1) of a new self-signed certificate."""
    issued = issue(common_name)
    return issued.pem, issued.sha256, issued.sha1


OLD_PEM, OLD_SHA256, OLD_SHA1 = certificate('lc-meter-1-2026')
NEW_PEM, NEW_SHA256, NEW_SHA1 = certificate('lc-meter-1-2027')


def _device_secrets(extra_secrets):
    extra_secrets.extend([SECRET, SECONDARY_SECRET])


def seed(sim, **device):
    spec = {'device_id': DEVICE, 'node_id': 'lc-meter-1', 'product_id': 'lc-product', 'auth_type': 'CERTIFICATES',
            'fingerprint': OLD_SHA256, 'secret': SECRET, 'secondary_secret': SECONDARY_SECRET}
    spec.update(device)
    sim.seed_iotda_devices(devices=[{k: v for k, v in spec.items() if v is not None}])


def reset_calls(sim):
    return [r for r in sim.requests() if r['platform'] == 'iotda' and r['write']]


def held(sim, device_id=DEVICE):
    return next(d for d in sim.state()['iotda']['devices'] if d['device_id'] == device_id)['auth_info']


@pytest.mark.compat
def test_stage_then_promote_and_reruns(sim, run_playbook):
    seed(sim)
    staged = run_playbook(PLAYBOOK, extra_vars={'device_id': DEVICE, 'secondary_certificate': NEW_PEM}, diff=True, verbosity=4)
    result = staged.task('Set the fingerprints')
    assert result['changed']
    assert result['diff']['before']['secondary_fingerprint'] is None
    assert (result['device']['fingerprint'], result['device']['secondary_fingerprint']) == (OLD_SHA256, NEW_SHA256)
    assert len(reset_calls(sim)) == 1
    assert (held(sim)['fingerprint'], held(sim)['secondary_fingerprint']) == (OLD_SHA256, NEW_SHA256)

    sim.clear_requests()
    again = run_playbook(PLAYBOOK, extra_vars={'device_id': DEVICE, 'secondary_certificate': NEW_PEM})
    assert again.changed == 0 and reset_calls(sim) == []

    promote = {'device_id': DEVICE, 'certificate': NEW_PEM, 'secondary_fingerprint': ''}
    promoted = run_playbook(PLAYBOOK, extra_vars=promote, diff=True, verbosity=4).task('Set the fingerprints')
    assert promoted['changed'] and (promoted['device']['fingerprint'], promoted['device']['secondary_fingerprint']) == (NEW_SHA256, None)
    assert held(sim)['fingerprint'] == NEW_SHA256 and not held(sim).get('secondary_fingerprint')
    assert len(reset_calls(sim)) == 2

    sim.clear_requests()
    assert run_playbook(PLAYBOOK, extra_vars=promote).changed == 0 and reset_calls(sim) == []


def test_sha1_and_sha256_of_one_certificate_are_equal(sim, run_playbook):
    seed(sim, fingerprint=OLD_SHA1.lower())
    run = run_playbook(PLAYBOOK, extra_vars={'device_id': DEVICE, 'certificate': OLD_PEM})
    assert run.changed == 0 and reset_calls(sim) == []


def test_check_mode_predicts_and_writes_nothing(sim, run_playbook):
    seed(sim)
    run = run_playbook(PLAYBOOK, extra_vars={'device_id': DEVICE, 'secondary_fingerprint': NEW_SHA1.lower()}, check=True, diff=True)
    result = run.task('Set the fingerprints')
    assert result['changed'] and result['device']['secondary_fingerprint'] == NEW_SHA1
    assert reset_calls(sim) == [] and not held(sim).get('secondary_fingerprint')


def test_secret_device_fails_clearly_without_write(sim, run_playbook):
    seed(sim, auth_type='SECRET', fingerprint=None)
    run = run_playbook(PLAYBOOK, extra_vars={'device_id': DEVICE, 'certificate': NEW_PEM}, expect_rc=2, verbosity=4)
    message = run.task('Set the fingerprints')['msg']
    assert 'auth_type SECRET, not CERTIFICATES' in message and DEVICE in message
    assert reset_calls(sim) == [] and held(sim)['auth_type'] == 'SECRET'


@pytest.mark.parametrize('options, message', [
    ({'fingerprint': 'ABCDEF'}, 'fingerprint: fingerprint must be a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) value'),
    ({'secondary_certificate': 'not a certificate'}, 'secondary_certificate is not a PEM certificate'),
    ({'fingerprint': OLD_SHA256, 'certificate': OLD_PEM}, 'mutually exclusive'),
])
def test_bad_input_fails_before_any_request(sim, run_playbook, options, message):
    seed(sim)
    sim.clear_requests()
    run = run_playbook(PLAYBOOK, extra_vars=dict({'device_id': DEVICE}, **options), expect_rc=2)
    assert message in run.task('Set the fingerprints')['msg']
    assert sim.requests() == []


def test_unknown_device_fails_clearly(sim, run_playbook):
    run = run_playbook(PLAYBOOK, extra_vars={'device_id': 'no-such-device', 'fingerprint': NEW_SHA256}, expect_rc=2)
    assert "IoTDA device 'no-such-device' does not exist" in run.task('Set the fingerprints')['msg']
    assert reset_calls(sim) == []


def test_lost_answer_one_write_over_the_run_and_the_rerun(sim, run_playbook):
    seed(sim)
    sim.fault(status=500, after_processing=True, match={'platform': 'iotda', 'method': 'POST', 'path': '/reset-fingerprint'})
    options = {'device_id': DEVICE, 'secondary_fingerprint': NEW_SHA256}
    lost = run_playbook(PLAYBOOK, extra_vars=options, expect_rc=2)
    assert lost.task('Set the fingerprints')['error']['http_status'] == 500
    assert run_playbook(PLAYBOOK, extra_vars=options).changed == 0
    assert len(reset_calls(sim)) == 1 and held(sim)['secondary_fingerprint'] == NEW_SHA256


def test_fleet_form_on_50_devices(sim, run_playbook):
    sim.seed_iotda_devices(devices=[
        {'device_id': 'lc-fleet-%03d' % n, 'auth_type': 'CERTIFICATES', 'fingerprint': OLD_SHA256, 'secret': SECRET}
        for n in range(50)])
    devices = [{'device_id': 'lc-fleet-%03d' % n, 'secondary_certificate': NEW_PEM} for n in range(50)]
    first = run_playbook(PLAYBOOK, extra_vars={'devices': devices}, diff=True).task('Set the fingerprints')
    assert first['changed'] and len(first['changed_ids']) == 50 and first['failures'] == []
    assert first['summary']['changed'] == 50 and first['summary']['requests'] == 100
    assert sorted(first['diff']['after']) == sorted(d['device_id'] for d in devices)
    assert all(d['secondary_fingerprint'] == NEW_SHA256 for d in first['devices'])
    assert len(reset_calls(sim)) == 50
    print('\n50 devices staged: %d requests in %.2f s' % (first['summary']['requests'], first['summary']['seconds']))

    sim.clear_requests()
    again = run_playbook(PLAYBOOK, extra_vars={'devices': devices})
    summary = again.task('Set the fingerprints')['summary']
    assert again.changed == 0 and reset_calls(sim) == []
    assert (summary['unchanged'], summary['requests']) == (50, 50)
    print('50 devices unchanged: %d requests in %.2f s' % (summary['requests'], summary['seconds']))


def test_fleet_form_reports_each_failure(sim, run_playbook):
    seed(sim)
    seed(sim, device_id='lc-secret-device', auth_type='SECRET', fingerprint=None)
    devices = [{'device_id': DEVICE, 'secondary_fingerprint': NEW_SHA256},
               {'device_id': 'lc-secret-device', 'secondary_fingerprint': NEW_SHA256},
               {'device_id': 'lc-missing', 'secondary_fingerprint': NEW_SHA256}]
    failed = run_playbook(PLAYBOOK, extra_vars={'devices': devices, 'max_failures': 1}, expect_rc=2, verbosity=4)
    result = failed.task('Set the fingerprints')
    assert result['msg'].startswith('2 of 3 targets failed')
    assert [f['target'] for f in result['failures']] == ['lc-secret-device', 'lc-missing']
    assert result['not_found'] == ['lc-missing'] and result['changed_ids'] == [DEVICE]
    assert len(reset_calls(sim)) == 1

    tolerated = run_playbook(PLAYBOOK, extra_vars={'devices': devices, 'max_failures': 2})
    assert tolerated.changed == 0 and tolerated.task('Set the fingerprints')['summary']['failed'] == 2

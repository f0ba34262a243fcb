# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles iotda_fingerprint_rotation and ca_compromise_response with real ansible-playbook runs
against the simulator: --check writes nothing to the platform, a real run writes each target once,
the second run changes nothing. Device secrets are registered with the leak scan."""

from __future__ import annotations

import json
import os

import pytest
from iotpki_test.certificates import issue

SECRET = 'lc-role-device-secret-01'


@pytest.fixture(autouse=True)
def _device_secrets(extra_secrets):
    extra_secrets.append(SECRET)


def iotda_writes(sim):
    return [(r['method'], r['path'].rsplit('/', 1)[-1]) for r in sim.requests() if r['platform'] == 'iotda' and r['write']]


# -- iotda_fingerprint_rotation ---------------------------------------------------------------------


@pytest.mark.compat
def test_rotation_role_stage_then_promote(sim, run_playbook):
    old_fp = issue('lc-rot-old', organization='lc').sha256
    devices, rotation = [], []
    for n in range(5):
        new = issue('lc-rot-%d' % n, organization='lc')
        new_pem, new_fp = new.pem, new.sha256
        devices.append({'device_id': 'lc-rot-%d' % n, 'auth_type': 'CERTIFICATES', 'fingerprint': old_fp, 'secret': SECRET})
        rotation.append({'device_id': 'lc-rot-%d' % n, 'certificate': new_pem, 'fp': new_fp})
    sim.seed_iotda_devices(devices=devices)
    role_devices = [{'device_id': r['device_id'], 'certificate': r['certificate']} for r in rotation]

    def phase(name, **kwargs):
        return run_playbook('lifecycle_role_rotation', extra_vars={'rotation_devices': role_devices, 'rotation_phase': name}, **kwargs)

    preview = phase('stage', check=True, diff=True)
    fact = preview.task('Show the fact')['iotda_fingerprint_rotation']
    assert [d['secondary_fingerprint'] for d in fact] == [r['fp'] for r in rotation]
    assert iotda_writes(sim) == []

    staged = phase('stage')
    assert staged.changed == 1 and len(iotda_writes(sim)) == 5
    held = {d['device_id']: d['auth_info'] for d in sim.state()['iotda']['devices']}
    assert all((held[r['device_id']]['fingerprint'], held[r['device_id']]['secondary_fingerprint']) == (old_fp, r['fp']) for r in rotation)

    sim.clear_requests()
    assert phase('stage').changed == 0 and iotda_writes(sim) == []

    promoted = phase('promote', verbosity=4)
    fact = promoted.task('Show the fact')['iotda_fingerprint_rotation']
    assert [(d['fingerprint'], d['secondary_fingerprint']) for d in fact] == [(r['fp'], None) for r in rotation]
    assert len(iotda_writes(sim)) == 10

    sim.clear_requests()
    assert phase('promote').changed == 0 and iotda_writes(sim) == []
    # Staging again after the promotion does not go back: the devices run on their new certificate.
    restaged = phase('stage')
    assert restaged.changed == 0 and iotda_writes(sim) == []
    assert [d['fingerprint'] for d in restaged.task('Show the fact')['iotda_fingerprint_rotation']] == [r['fp'] for r in rotation]


# -- ca_compromise_response -------------------------------------------------------------------------


def seed_compromised_ca(sim, issued=6, others=3):
    """A CA on the platform, `issued` device certificates it signed (4 of them used by devices), and
    `others` from another CA. Returns (CA PEM, IDs of the certificates it issued)."""
    ca = issue('lc-compromised-ca', ca=True, organization='lc')
    sim.seed_ca_certificates(certificates=[{'pem': ca.pem, 'verified': True}])
    other = issue('lc-other-ca', ca=True, organization='lc')
    bad = [issue('lc-bad-%d' % n, issuer=ca, organization='lc') for n in range(issued)]
    good = [issue('lc-good-%d' % n, issuer=other, organization='lc') for n in range(others)]
    created = sim.seed_device_certificates(certificates=[{'pem': c.pem, 'status': 'ACTIVE'} for c in bad + good])['created']
    sim.seed_iotda_devices(devices=[
        {'device_id': 'lc-cc-dev-%d' % n, 'auth_type': 'CERTIFICATES', 'fingerprint': bad[n].sha256, 'secret': SECRET} for n in range(4)
    ] + [{'device_id': 'lc-cc-good', 'auth_type': 'CERTIFICATES', 'fingerprint': good[0].sha256, 'secret': SECRET}])
    return ca.pem, sorted(c['certificate_id'] for c in created[:issued])


def read_report(dest):
    with open(os.path.join(dest, 'ca-compromise-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    with open(os.path.join(dest, 'ca-compromise-report.md'), encoding='utf-8') as handle:
        return report, handle.read()


@pytest.mark.compat
def test_ca_compromise_preview_then_response_then_rerun(sim, run_playbook, tmp_path):
    ca_pem, bad_ids = seed_compromised_ca(sim)
    args = {'ca_pem': ca_pem, 'actions': ['deactivate_device_certificates', 'delete_ca_certificate']}

    preview_dir = str(tmp_path / 'preview')
    preview = run_playbook('lifecycle_role_ca_compromise', extra_vars=dict(args, report_dest=preview_dir), check=True, diff=True)
    assert iotda_writes(sim) == []
    report, markdown = read_report(preview_dir)
    assert report == preview.task('Show the fact')['ca_compromise_response']
    assert report['check_mode'] is True
    assert sorted(c['certificate_id'] for c in report['certificates']) == bad_ids
    assert all(c['status'] == 'inactive' for c in report['certificates'])
    assert [d['device_id'] for d in report['devices']] == ['lc-cc-dev-%d' % n for n in range(4)]
    assert report['summary'] == dict(report['summary'], certificates=6, devices=4, deactivated=6, failed=0, ca_deleted=True)
    assert 'preview' in markdown and all(cid in markdown for cid in bad_ids) and 'lc-cc-dev-3' in markdown
    assert all(c['status'] == 'ACTIVE' for c in sim.state()['iotda']['device_certificates'])

    real_dir = str(tmp_path / 'real')
    real = run_playbook('lifecycle_role_ca_compromise', extra_vars=dict(args, report_dest=real_dir), verbosity=4)
    writes = iotda_writes(sim)
    assert sorted(writes) == sorted([('PUT', cid) for cid in bad_ids] + [('DELETE', writes[-1][1])])
    report, _markdown = read_report(real_dir)
    assert report['check_mode'] is False
    preview_report = read_report(preview_dir)[0]
    assert (report['certificates'], report['devices']) == (preview_report['certificates'], preview_report['devices'])
    assert report['summary'] == dict(preview_report['summary'], requests=report['summary']['requests'])
    held = {c['certificate_id']: c['status'] for c in sim.state()['iotda']['device_certificates']}
    assert [held[cid] for cid in bad_ids] == ['INACTIVE'] * 6 and list(held.values()).count('ACTIVE') == 3
    assert sim.state()['iotda']['ca_certificates'] == []
    assert real.changed >= 2

    sim.clear_requests()
    again = run_playbook('lifecycle_role_ca_compromise', extra_vars=dict(args, report_dest=real_dir))
    assert again.changed == 0 and iotda_writes(sim) == []
    report, _markdown = read_report(real_dir)
    assert report['summary'] == dict(report['summary'], certificates=6, deactivated=0, already_inactive=6, ca_deleted=False)

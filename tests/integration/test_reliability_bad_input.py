# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Representative bad input, with real ansible-playbook: a clear message, no request, no traceback.

The generated cases (hypothesis) are in tests/unit/fuzz/test_fuzz_input.py; these are the same
kinds of mistakes made through Ansible, for every module and the lookup.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PASSPHRASE = 'bad-input-passphrase-42'


def ca_and_key():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Bad Input CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(PASSPHRASE.encode())).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def test_bad_input_sends_no_request(sim, run_playbook):
    pem, key = ca_and_key()
    sim.clear_requests()
    run = run_playbook('reliability_bad_input', extra_vars={'bad_input_ca_pem': pem, 'bad_input_ca_key': key},
                       secrets=[PASSPHRASE] + [line for line in key.splitlines() if not line.startswith('-----')])
    assert run.failed == 0
    assert sim.requests() == []
    assert 'Traceback' not in run.stdout + run.stderr
    refused = [r for r in run.results if r['action'].startswith('iotpki.certificates.') and r['result'].get('msg')]
    assert len(refused) == 9  # and the lookup, checked in the playbook

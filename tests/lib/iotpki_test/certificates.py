# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates, keys and CSRs for tests, built with cryptography (the one place that builds them)."""

from __future__ import annotations

import datetime
import hashlib
import typing as t

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def new_key(key_type: str = "ec", bits: int = 2048) -> t.Any:
    """An EC P-256 key, or with ``key_type="rsa"`` an RSA key of ``bits``."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits) if key_type == "rsa" else ec.generate_private_key(ec.SECP256R1())


def key_pem(key: t.Any, passphrase: t.Optional[str] = None) -> str:
    """PKCS#8 PEM of a private key, encrypted when a passphrase is given."""
    encryption = serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def subject(common_name: str, organization: t.Optional[str] = None) -> x509.Name:
    """CN (then O when given): printed by the platform and the modules as ``O=...,CN=...``."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


class Issued(t.NamedTuple):
    """A certificate and the private key of its subject."""

    certificate: x509.Certificate
    key: t.Any

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def sha256(self) -> str:
        """Upper-case hex SHA-256 of the DER, as IoTDA shows fingerprints."""
        return hashlib.sha256(self.certificate.public_bytes(serialization.Encoding.DER)).hexdigest().upper()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.certificate.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # nosec - a fingerprint

    def key_pem(self, passphrase: t.Optional[str] = None) -> str:
        return key_pem(self.key, passphrase)


def issue(
    common_name: str,
    key: t.Any = None,
    issuer: t.Optional[Issued] = None,
    ca: bool = False,
    days: int = 365,
    not_before: t.Optional[datetime.datetime] = None,
    not_after: t.Optional[datetime.datetime] = None,
    organization: t.Optional[str] = None,
    serial: t.Optional[int] = None,
) -> Issued:
    """A certificate for ``key`` (a new EC key by default), signed by ``issuer`` or self-signed, a CA
    with ``ca=True``; valid from ``not_before`` (yesterday) to ``not_after`` (``days`` after
    ``not_before`` when given, else after now)."""
    key = key or new_key()
    name = subject(common_name, organization)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer.certificate.subject if issuer else name)
        .public_key(key.public_key()).serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or (not_before or now) + datetime.timedelta(days=days))
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def make_ca(common_name: str, key_type: str = "ec", passphrase: t.Optional[str] = None, days: int = 3650,
            organization: str = "iotpki tests") -> t.Tuple[str, str]:
    """(certificate PEM, private key PEM) of a self-signed CA, valid from yesterday."""
    ca = issue(common_name, new_key(key_type), ca=True, days=days, organization=organization)
    return ca.pem, ca.key_pem(passphrase)


def make_csr(key: t.Any, name: t.Union[str, x509.Name], algorithm: t.Any = None) -> str:
    """PEM of a CSR for ``key`` with the subject ``name`` (a common name, or a whole x509.Name), signed with ``algorithm`` (SHA-256)."""
    name = subject(name) if isinstance(name, str) else name
    request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, algorithm or hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")

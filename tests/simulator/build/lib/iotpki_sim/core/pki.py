"""Key, CA and certificate generation (process-wide cached material, built on first use)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import ipaddress
import threading
from typing import Any, Callable, Iterable, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]
DAY = datetime.timedelta(days=1)

_NAME_OIDS = {
    "C": NameOID.COUNTRY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
}


_MEMO_LOCK = threading.RLock()


def memoized(func: Callable[..., Any]) -> Callable[..., Any]:
    """Cache results per argument tuple; the lock makes concurrent first calls build one value."""
    cache: dict[tuple, Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        with _MEMO_LOCK:
            if args not in cache:
                cache[args] = func(*args)
            return cache[args]
    return wrapper


@dataclasses.dataclass(frozen=True)
class Authority:
    """A CA: its key and certificate."""

    key: PrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        """The CA certificate as PEM."""
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def key_pem(self) -> str:
        """The CA private key as unencrypted PKCS#8 PEM."""
        return key_to_pem(self.key)


def key_to_pem(key: PrivateKey) -> str:
    """Unencrypted PKCS#8 PEM of a private key."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def new_key(kind: str = "ec") -> PrivateKey:
    """A fresh P-256 ('ec') or RSA-2048 ('rsa') private key."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def make_name(*pairs: tuple[str, str]) -> x509.Name:
    """An x509.Name from ('C', 'CN'), ('CN', 'x') pairs, in the given (DER) order."""
    return x509.Name([x509.NameAttribute(_NAME_OIDS[label], value) for label, value in pairs])


def issue(issuer: Optional[Authority], subject: x509.Name, public_key, not_before: datetime.datetime,
          not_after: datetime.datetime, serial: Optional[int] = None, is_ca: bool = False,
          signing_key: Optional[PrivateKey] = None, san: Iterable[str] = ()) -> x509.Certificate:
    """Build and sign a certificate; issuer None (with signing_key) makes it self-signed."""
    key = signing_key if issuer is None else issuer.key
    issuer_name = subject if issuer is None else issuer.cert.subject
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(public_key).serial_number(serial or x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    names = list(san)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
    return builder.sign(key, hashes.SHA256())


def _general_name(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def make_ca(subject: x509.Name, kind: str = "ec", days: int = 3650,
            key: Optional[PrivateKey] = None, not_after: Optional[datetime.datetime] = None) -> Authority:
    """A self-signed CA valid from one day ago."""
    key = key or new_key(kind)
    now = datetime.datetime.now(datetime.timezone.utc)
    end = not_after or now + days * DAY
    start = min(now, end) - DAY
    cert = issue(None, subject, key.public_key(), start, end, is_ca=True, signing_key=key)
    return Authority(key=key, cert=cert)


@memoized
def shared_key(kind: str) -> PrivateKey:
    """One key pair per kind, reused for bulk-generated certificates (speed)."""
    return new_key(kind)


@memoized
def iotda_device_issuer() -> Authority:
    """The CA that signs seeded IoTDA device certificates."""
    return make_ca(make_name(("O", "iotpki simulator"), ("CN", "iotpki simulator device CA")), "ec")


@memoized
def enos_ca(authority: str) -> Authority:
    """The simulated EnOS CA: 'RSA' (EnOS CA) or 'ECC' (EnOS ECC CA), subjects like the samples."""
    if authority == "ECC":
        subject = make_name(("C", "CN"), ("ST", "Shanghai"), ("L", "Shanghai"), ("O", "Envision"),
                            ("OU", "Envision Digital"), ("CN", "EnOS ECC CA"), ("EMAILADDRESS", "ca@eniot.io"))
        return make_ca(subject, "ec", days=3650)
    subject = make_name(("C", "CN"), ("ST", "Shanghai"), ("L", "Shanghai"), ("O", "EnOS"), ("OU", "EnOS CA"),
                        ("CN", "EnOS CA"), ("EMAILADDRESS", "ca@eniot.io"))
    return make_ca(subject, "rsa", days=3650)

# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Local X.509 work: read a PEM certificate, fingerprints, and the proof-of-possession certificate.

``cryptography`` is imported only here, and only when a module needs it; ``HAS_CRYPTOGRAPHY``
lets the module fail with ``missing_required_lib`` instead of a traceback.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import hashlib
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import sha256_hex

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    from cryptography.x509.oid import NameOID
except ImportError:  # pragma: no cover - reported with missing_required_lib
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True


class CertificateInfo:
    """What the modules compare and show of a certificate: never the key material."""

    def __init__(self, certificate: t.Any) -> None:
        der = certificate.public_bytes(serialization.Encoding.DER)
        self.certificate = certificate
        self.der = der
        self.common_name = _name_attribute(certificate.subject, NameOID.COMMON_NAME)
        self.subject = certificate.subject.rfc4514_string()
        self.not_before = _utc(certificate, "not_valid_before")
        self.not_after = _utc(certificate, "not_valid_after")
        self.fingerprint_sha256 = sha256_hex(der)
        self.fingerprint_sha1 = hashlib.sha1(der).hexdigest().upper()  # nosec - a fingerprint, not a signature


def _name_attribute(name: t.Any, oid: t.Any) -> t.Optional[str]:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _utc(certificate: t.Any, attribute: str) -> datetime.datetime:
    value = getattr(certificate, attribute + "_utc", None)
    if value is None:  # cryptography < 42
        value = getattr(certificate, attribute).replace(tzinfo=datetime.timezone.utc)
    return value


def load_certificate(pem: str, what: str = "content") -> CertificateInfo:
    """Parse one PEM certificate; InputError (before any request) when it cannot be read."""
    text = (pem or "").strip()
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise InputError("%s is not a PEM certificate (no '-----BEGIN CERTIFICATE-----' block)" % what)
    try:
        return CertificateInfo(x509.load_pem_x509_certificate(text.encode("utf-8")))
    except (ValueError, TypeError, x509.InvalidVersion) as error:  # InvalidVersion is no ValueError
        raise InputError("%s is not a readable PEM certificate: %s" % (what, str(error).splitlines()[0] if str(error) else "parse error")) from None


def load_private_key(pem: str, passphrase: t.Optional[str] = None) -> t.Any:
    """Parse a PEM private key; the error never echoes the key or the passphrase."""
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        return serialization.load_pem_private_key((pem or "").strip().encode("utf-8"), password=password)
    except TypeError:
        if password is None:
            raise InputError("private_key is encrypted: set private_key_passphrase") from None
        raise InputError("private_key is not encrypted: remove private_key_passphrase") from None
    except ValueError:
        raise InputError("private_key cannot be read: not a PEM private key, or wrong private_key_passphrase") from None


def public_keys_match(private_key: t.Any, certificate: CertificateInfo) -> bool:
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    return private_key.public_key().public_bytes(enc, pub) == certificate.certificate.public_key().public_bytes(enc, pub)


def verification_certificate(ca: CertificateInfo, ca_key: t.Any, verify_code: str, now: t.Optional[datetime.datetime] = None) -> str:
    """A certificate with CN = the platform's ``verify_code``, signed by the CA key (proof of possession)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    if isinstance(ca_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        algorithm = None
    else:
        algorithm = hashes.SHA256()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, verify_code)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if not isinstance(ca_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        raise InputError("private_key type is not supported for signing the verification certificate")
    return builder.sign(ca_key, algorithm).public_bytes(serialization.Encoding.PEM).decode("ascii")

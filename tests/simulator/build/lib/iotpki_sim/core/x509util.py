"""Parsing and formatting helpers for X.509 certificates."""

from __future__ import annotations

import datetime
import hashlib
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

_DN_LABELS = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
    NameOID.EMAIL_ADDRESS: "EMAILADDRESS",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.USER_ID: "UID",
}


def load_pem_certificate(text: str) -> x509.Certificate:
    """Parse the first PEM certificate in `text`; raise ValueError when there is none."""
    if not isinstance(text, str) or "-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError("no PEM certificate found")
    return x509.load_pem_x509_certificate(text.encode("utf-8"))


def load_pem_csr(text: str) -> x509.CertificateSigningRequest:
    """Parse a PEM CSR, accepting the 'NEW CERTIFICATE REQUEST' header too."""
    if not isinstance(text, str):
        raise ValueError("csr must be a string")
    text = text.replace("NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST")
    return x509.load_pem_x509_csr(text.encode("utf-8"))


def der_of(cert: x509.Certificate) -> bytes:
    """DER encoding."""
    return cert.public_bytes(serialization.Encoding.DER)


def pem_of(cert: x509.Certificate) -> str:
    """PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def der_to_pem(der: bytes) -> str:
    """PEM text for DER bytes."""
    return pem_of(x509.load_der_x509_certificate(der))


def name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> Optional[str]:
    """The first value of `oid` in `name`, or None."""
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def common_name(name: x509.Name) -> str:
    """The subject CN ('' when absent)."""
    return name_attr(name, NameOID.COMMON_NAME) or ""


def java_dn(name: x509.Name) -> str:
    """A DN printed like Java/EnOS: last RDN first, ', ' separated, e.g. 'CN=x, O=EnOS, C=CN'."""
    parts = []
    for rdn in reversed(list(name.rdns)):
        for attr in rdn:
            label = _DN_LABELS.get(attr.oid, attr.oid.dotted_string)
            value = attr.value if isinstance(attr.value, str) else attr.value.hex()
            parts.append("%s=%s" % (label, value))
    return ", ".join(parts)


def fingerprints(der: bytes) -> tuple[str, str]:
    """(SHA-256, SHA-1) fingerprints of DER bytes as uppercase hex without colons."""
    return hashlib.sha256(der).hexdigest().upper(), hashlib.sha1(der).hexdigest().upper()


def not_before(cert: x509.Certificate) -> datetime.datetime:
    """notBefore as aware UTC."""
    return cert.not_valid_before_utc


def not_after(cert: x509.Certificate) -> datetime.datetime:
    """notAfter as aware UTC."""
    return cert.not_valid_after_utc

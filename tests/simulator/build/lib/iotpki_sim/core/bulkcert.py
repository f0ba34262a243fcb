"""Fast minting of many similar certificates: a builder-made template per shape, byte splicing, a fresh signature.

Every minted certificate is a real, correctly signed X.509 certificate; only the CN, serial and validity differ
from the template, and those are fixed-length fields for a given shape.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from iotpki_sim.core import pki
from iotpki_sim.core import x509util

_SERIAL_PLACEHOLDER = b"\x40" + b"\x5a" * 15
_TIME_PLACEHOLDERS = (datetime.datetime(2001, 1, 1, 1, 1, 1, tzinfo=datetime.timezone.utc),
                      datetime.datetime(2002, 2, 2, 2, 2, 2, tzinfo=datetime.timezone.utc))
_CENTURY_SHIFT = datetime.timedelta(days=365 * 50 + 12)
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv_size(data: bytes, start: int) -> int:
    """Total size (header + content) of the DER element starting at `start`."""
    first = data[start + 1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    return 2 + count + int.from_bytes(data[start + 2:start + 2 + count], "big")


def _is_utc_time(value: datetime.datetime) -> bool:
    return 1950 <= value.year < 2050


def _encode_time(value: datetime.datetime) -> bytes:
    if _is_utc_time(value):
        return b"\x17\x0d" + value.strftime("%y%m%d%H%M%SZ").encode("ascii")
    return b"\x18\x0f" + value.strftime("%Y%m%d%H%M%SZ").encode("ascii")


def _find_once(data: bytes, needle: bytes) -> int:
    index = data.find(needle)
    if index < 0 or data.find(needle, index + 1) >= 0:
        raise ValueError("template placeholder is not unique")
    return index


@dataclasses.dataclass(frozen=True)
class _Template:
    tbs: bytes
    signature_algorithm: bytes
    cn_at: int
    cn_size: int
    serial_at: int
    not_before_at: int
    not_after_at: int


class Minter:
    """Mints certificates with the given issuer (an EC CA) and one shared subject public key."""

    def __init__(self, issuer: pki.Authority, public_key) -> None:
        if not isinstance(issuer.key, ec.EllipticCurvePrivateKey):
            raise TypeError("the bulk minter needs an EC issuer")
        self._issuer = issuer
        self._public_key = public_key
        self._templates: dict[tuple[int, bool, bool], _Template] = {}
        self._lock = threading.Lock()

    def _template(self, cn_size: int, utc_before: bool, utc_after: bool) -> _Template:
        key = (cn_size, utc_before, utc_after)
        with self._lock:
            if key not in self._templates:
                self._templates[key] = self._build_template(cn_size, utc_before, utc_after)
            return self._templates[key]

    def _build_template(self, cn_size: int, utc_before: bool, utc_after: bool) -> _Template:
        placeholder = "\x7e" * cn_size
        before, after = (t if utc else t + _CENTURY_SHIFT
                         for t, utc in zip(_TIME_PLACEHOLDERS, (utc_before, utc_after)))
        cert = pki.issue(self._issuer, pki.make_name(("CN", placeholder)), self._public_key, before, after,
                         serial=int.from_bytes(_SERIAL_PLACEHOLDER, "big"))
        der, tbs = x509util.der_of(cert), cert.tbs_certificate_bytes
        rest_start = der.find(tbs) + len(tbs)
        algorithm = der[rest_start:rest_start + _tlv_size(der, rest_start)]
        return _Template(tbs=tbs, signature_algorithm=algorithm, cn_size=cn_size,
                         cn_at=_find_once(tbs, placeholder.encode("utf-8")),
                         serial_at=_find_once(tbs, _SERIAL_PLACEHOLDER),
                         not_before_at=_find_once(tbs, _encode_time(before)),
                         not_after_at=_find_once(tbs, _encode_time(after)))

    def mint(self, common_name: str, not_before: datetime.datetime, not_after: datetime.datetime) -> bytes:
        """DER of a new certificate (random 16-byte serial)."""
        cn = common_name.encode("utf-8")
        start, end = _encode_time(not_before), _encode_time(not_after)
        tpl = self._template(len(cn), _is_utc_time(not_before), _is_utc_time(not_after))
        tbs = bytearray(tpl.tbs)
        tbs[tpl.cn_at:tpl.cn_at + len(cn)] = cn
        tbs[tpl.serial_at:tpl.serial_at + 16] = b"\x40" + os.urandom(15)
        tbs[tpl.not_before_at:tpl.not_before_at + len(start)] = start
        tbs[tpl.not_after_at:tpl.not_after_at + len(end)] = end
        signature = self._issuer.key.sign(bytes(tbs), _ECDSA_SHA256)
        bit_string = b"\x03" + _der_length(len(signature) + 1) + b"\x00" + signature
        body = bytes(tbs) + tpl.signature_algorithm + bit_string
        return b"\x30" + _der_length(len(body)) + body

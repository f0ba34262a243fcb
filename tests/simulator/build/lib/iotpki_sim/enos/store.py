"""EnOS data: devices and the certificates bound to them."""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from iotpki_sim.core import x509util

REVOKE_REASONS = {
    0: "UNSPECIFIED", 1: "KEY COMPROMISE", 3: "AFFILIATION CHANGED", 4: "SUPERSEDED",
    5: "CESSATION OF OPERATION", 6: "CERTIFICATE HOLD", 9: "PRIVILEGE WITHDRAWN",
}
STATUS_NAMES = {0: "valid", 1: "revoked", 2: "expired"}


@dataclasses.dataclass
class EnosDevice:
    """A device of an organisation."""

    asset_id: str
    product_key: str
    device_key: str
    org_id: str
    bidirectional: bool = True
    max_valid_days: int = 3650

    def sim_view(self) -> dict[str, Any]:
        """The /_sim/state view."""
        return dataclasses.asdict(self)


@dataclasses.dataclass
class EnosCert:
    """A certificate bound to a device; certSN is the X.509 serial."""

    serial: int
    asset_id: str
    der: bytes
    subject: str
    issuer: str
    common_name: str
    sign_ms: int
    effective_ms: int
    expire_ms: int
    issue_authority: str
    revoked: bool = False
    revoker: str = ""
    revoke_reason: str = ""

    def status(self, now_ms: int) -> int:
        """0 valid, 1 revoked, 2 expired (computed now)."""
        if self.revoked:
            return 1
        return 2 if self.expire_ms <= now_ms else 0

    def api(self, now_ms: int, cert_field: str, date_key: str) -> dict[str, Any]:
        """One element of the list answer."""
        return {
            "certSN": str(self.serial),
            "cert": x509util.der_to_pem(self.der) if cert_field == "pem" else str(self.serial),
            "certStatus": self.status(now_ms), "issuer": self.issuer, "subject": self.subject,
            "signDate": self.sign_ms, date_key: self.effective_ms, "expireDate": self.expire_ms,
            "revoker": self.revoker, "revokerReason": self.revoke_reason, "isEnosCert": True,
            "issueAuthority": self.issue_authority,
        }

    def sim_view(self, now_ms: int) -> dict[str, Any]:
        """The /_sim/state and seeding view."""
        return {"cert_sn": self.serial, "asset_id": self.asset_id, "status": STATUS_NAMES[self.status(now_ms)],
                "common_name": self.common_name, "subject": self.subject, "issuer": self.issuer,
                "sign_date": self.sign_ms, "effective_date": self.effective_ms, "expire_date": self.expire_ms,
                "issue_authority": self.issue_authority, "revoker": self.revoker,
                "revoke_reason": self.revoke_reason, "pem": x509util.der_to_pem(self.der)}


class EnosStore:
    """All EnOS devices and certificates."""

    def __init__(self) -> None:
        self.devices: dict[str, EnosDevice] = {}
        self.by_keys: dict[tuple[str, str], str] = {}
        self.certs: dict[int, EnosCert] = {}
        self.next_serial = 32720

    def add_device(self, device: EnosDevice) -> None:
        """Register a device (the caller checked for conflicts)."""
        self.devices[device.asset_id] = device
        self.by_keys[(device.product_key, device.device_key)] = device.asset_id

    def find_device(self, asset_id: Optional[str], product_key: Optional[str],
                    device_key: Optional[str]) -> Optional[EnosDevice]:
        """Look up by assetId (preferred) or productKey+deviceKey; both given must agree."""
        if asset_id:
            device = self.devices.get(asset_id)
            if device and product_key and device_key and (device.product_key, device.device_key) != (
                    product_key, device_key):
                return None
            return device
        found = self.by_keys.get((product_key or "", device_key or ""))
        return self.devices.get(found) if found else None

    def new_serial(self) -> int:
        """The next unused serial number."""
        while self.next_serial in self.certs:
            self.next_serial += 1
        serial = self.next_serial
        self.next_serial += 1
        return serial

    def certs_of(self, asset_id: str) -> list[EnosCert]:
        """Certificates bound to a device, oldest first."""
        return sorted((c for c in self.certs.values() if c.asset_id == asset_id), key=lambda c: (c.sign_ms, c.serial))

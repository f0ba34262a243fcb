"""IoTDA data: CA certificates, device certificates and devices."""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from iotpki_sim.core import x509util
from iotpki_sim.core.table import Table


@dataclasses.dataclass
class CaRecord:
    """One uploaded CA certificate."""

    certificate_id: str
    pem: str
    der: bytes
    app_id: Optional[str]
    cn_name: str
    owner: str
    verify_code: str
    create_date: str
    effective_date: str
    expiry_date: str
    status: bool = False
    provision_enable: bool = False
    template_id: Optional[str] = None
    ocsp_enable: bool = False
    ocsp_ssl_enable: bool = False
    ocsp_server_ca_id: Optional[str] = None

    def api(self, show: bool = False) -> dict[str, Any]:
        """The platform's JSON object; show adds name and content."""
        body = {
            "certificate_id": self.certificate_id, "cn_name": self.cn_name, "owner": self.owner,
            "status": self.status, "verify_code": self.verify_code, "provision_enable": self.provision_enable,
            "template_id": self.template_id, "ocsp_enable": self.ocsp_enable,
            "ocsp_ssl_enable": self.ocsp_ssl_enable, "ocsp_server_ca_id": self.ocsp_server_ca_id,
            "create_date": self.create_date, "effective_date": self.effective_date, "expiry_date": self.expiry_date,
        }
        if show:
            body["name"] = self.cn_name
            body["content"] = self.pem
        return body

    def sim_view(self) -> dict[str, Any]:
        """The /_sim/state view (adds app_id and the SHA-256 fingerprint)."""
        view = self.api()
        view["app_id"] = self.app_id
        view["fingerprint"] = x509util.fingerprints(self.der)[0]
        return view


@dataclasses.dataclass
class DeviceCertRecord:
    """One device certificate."""

    certificate_id: str
    der: bytes
    common_name: str
    fingerprint: str
    fingerprint_sha1: str
    expiry_date: str
    status: str = "ACTIVE"

    def api(self, show: bool = False) -> dict[str, Any]:
        """The platform's JSON object; show adds certificate_pem."""
        body = {"certificate_id": self.certificate_id, "common_name": self.common_name,
                "expiry_date": self.expiry_date, "fingerprint": self.fingerprint, "status": self.status}
        if show:
            body["certificate_pem"] = x509util.der_to_pem(self.der)
        return body

    def sim_view(self) -> dict[str, Any]:
        """The /_sim/state and seeding view."""
        view = self.api()
        view["fingerprint_sha1"] = self.fingerprint_sha1
        return view


@dataclasses.dataclass
class DeviceRecord:
    """A device; its auth_info fingerprints (stored as sent) are the one source of list-device."""

    record_id: str
    device_id: str
    node_id: str
    device_name: str
    product_id: str
    app_id: str
    create_time: str
    auth_type: str = "CERTIFICATES"
    fingerprint: Optional[str] = None
    secondary_fingerprint: Optional[str] = None
    secret: Optional[str] = None
    secondary_secret: Optional[str] = None
    status: str = "INACTIVE"
    node_type: str = "GATEWAY"
    secure_access: bool = True
    timeout: int = 0
    connection_status_update_time: Optional[str] = None
    active_time: Optional[str] = None

    def api(self) -> dict[str, Any]:
        """DeviceSimple as returned by list-device."""
        return {"app_id": self.app_id, "device_id": self.device_id, "node_id": self.node_id,
                "gateway_id": self.device_id, "device_name": self.device_name, "product_id": self.product_id}

    def show(self, cleared: str) -> dict[str, Any]:
        """ShowDevice: the whole object, secrets in clear as the platform returns them.

        cleared (the iotda_cleared_fingerprint setting): how an empty fingerprint slot appears,
        absent, null or "".
        """
        auth: dict[str, Any] = {"auth_type": self.auth_type}
        for key in ("secret", "secondary_secret"):
            if getattr(self, key) is not None:
                auth[key] = getattr(self, key)
        for key in ("fingerprint", "secondary_fingerprint"):
            value = getattr(self, key)
            if value is not None:
                auth[key] = value
            elif cleared != "absent":
                auth[key] = None if cleared == "null" else ""
        auth.update(secure_access=self.secure_access, timeout=self.timeout)
        body = self.api()
        body.update(node_type=self.node_type, description=None, fw_version=None, sw_version=None,
                    device_sdk_version=None, auth_info=auth, product_name=None, status=self.status,
                    create_time=self.create_time, connection_status_update_time=self.connection_status_update_time,
                    active_time=self.active_time, tags=[], modules=[], extension_info={})
        return body

    def sim_view(self) -> dict[str, Any]:
        """The /_sim/state and seeding view (secrets included: it is the test side)."""
        return self.show("null")


class IotdaStore:
    """All IoTDA records of the single simulated tenant."""

    def __init__(self) -> None:
        self.cas: Table[CaRecord] = Table()
        self.device_certs: Table[DeviceCertRecord] = Table()
        self.devices: Table[DeviceRecord] = Table()
        self.device_records: dict[str, str] = {}
        self.next_cn_number = 1
        self.next_node_number = 1

    def reserve_cn_numbers(self, count: int) -> int:
        """First number of a block of `count` generated-name numbers."""
        first = self.next_cn_number
        self.next_cn_number += count
        return first

    def reserve_node_numbers(self, count: int) -> int:
        """First number of a block of `count` device node numbers."""
        first = self.next_node_number
        self.next_node_number += count
        return first

    def add_device(self, device: DeviceRecord) -> None:
        """Store a device (the caller checked that its device_id is new)."""
        self.devices.add(device.record_id, device)
        self.device_records[device.device_id] = device.record_id

    def device(self, device_id: str) -> Optional[DeviceRecord]:
        """The device with this device_id, or None."""
        record_id = self.device_records.get(device_id)
        return None if record_id is None else self.devices.get(record_id)

    def find_ca_by_der(self, der: bytes) -> Optional[CaRecord]:
        """An existing CA with the same DER, if any."""
        return next((ca for ca in self.cas.values() if ca.der == der), None)

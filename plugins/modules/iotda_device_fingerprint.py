#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iotda_device_fingerprint
short_description: Set the certificate fingerprints a Huawei Cloud IoTDA device authenticates with
version_added: 0.2.0
description:
  - An IoTDA device that authenticates with an X.509 certificate is bound to it by two fingerprint slots of the device,
    the primary (O(fingerprint)) and the secondary (O(secondary_fingerprint)). A connecting certificate is accepted when
    its fingerprint matches either slot.
  - The module reads the device, compares each slot that is given with what the device holds, and sends one
    C(reset-fingerprint) request per slot that differs (primary first), nothing otherwise.
  - Fingerprints compare without regard to case and separators. When a slot is given as a certificate
    (O(certificate), O(secondary_certificate)), its SHA-256 and its SHA-1 fingerprint both count as equal to it,
    so a device that holds the SHA-1 of that certificate is left alone. The SHA-256 is what the module sends.
  - A device whose authentication type is not C(CERTIFICATES) fails. The platform would switch such a device to
    certificate authentication on a fingerprint reset, which must be a deliberate decision, not a side effect.
  - The device's C(secret) and C(secondary_secret), which the platform answers in clear text, are never returned or
    logged.
  - The fleet form O(devices) sets the fingerprints of many devices in one task, with the run controls
    O(concurrency), O(rate_limit) and O(max_failures).
  - For a rotation without downtime, stage the new certificate as the secondary, let the devices move to it, then
    promote it to primary and clear the secondary; the role C(iotpki.certificates.iotda_fingerprint_rotation) does
    exactly that with this module.
author:
  - iotpki.certificates developers (@iotpki)
requirements:
  - requests
  - cryptography (only when a certificate PEM is given)
extends_documentation_fragment:
  - iotpki.certificates.iotda
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.iotda_group
attributes:
  check_mode:
    support: full
    details:
      - Reads the device (one C(GET)) and returns the predicted RV(device) and the same RV(diff) as a real run, without
        sending C(reset-fingerprint).
  diff_mode:
    support: full
    details:
      - The diff shows the device record before and after; it never contains a secret. The diff is returned also
        without C(--diff).
  idempotent:
    support: full
    details:
      - Only the slots that differ are written; an unchanged run sends one C(GET) per device and no write.
options:
  device_id:
    description:
      - ID of the device (single form). Required unless O(devices) is given; the two are mutually exclusive.
    type: str
  fingerprint:
    description:
      - The primary fingerprint the device must have. SHA-256 (64 hex digits) or SHA-1 (40 hex digits), any case,
        colons allowed. Sent in uppercase without separators.
      - V('') clears the primary slot. Beware that the platform then takes the fingerprint of the next certificate the
        device connects with, so clearing is not a lock-out.
      - Not given (and O(certificate) not given) leaves the primary slot as it is.
      - Mutually exclusive with O(certificate).
    type: str
  certificate:
    description:
      - The certificate (PEM) whose fingerprint the primary slot must hold; its SHA-256 fingerprint is computed
        locally. The PEM is never sent or returned.
      - V('') clears the primary slot, as O(fingerprint=).
      - Mutually exclusive with O(fingerprint).
    type: str
  secondary_fingerprint:
    description:
      - The secondary fingerprint, in the same forms as O(fingerprint). V('') clears the secondary slot.
      - Mutually exclusive with O(secondary_certificate).
    type: str
  secondary_certificate:
    description:
      - The certificate (PEM) whose fingerprint the secondary slot must hold. V('') clears the secondary slot.
      - Mutually exclusive with O(secondary_fingerprint).
    type: str
  force_disconnect:
    description:
      - Close the device's current connection with each C(reset-fingerprint) request, so that it must authenticate again
        against the new fingerprints. Use it when the old certificate's key is compromised.
      - Has no effect when nothing changes.
    type: bool
    default: false
  devices:
    description:
      - The fleet form. Each item is one device with the options of the single form.
      - Each device is read and written at most once per run; a device that fails does not stop the others.
        Unknown devices are reported in RV(summary.not_found) and count as failures.
    type: list
    elements: dict
    suboptions:
      device_id:
        description: ID of the device.
        type: str
        required: true
      fingerprint:
        description: As O(fingerprint).
        type: str
      certificate:
        description: As O(certificate).
        type: str
      secondary_fingerprint:
        description: As O(secondary_fingerprint).
        type: str
      secondary_certificate:
        description: As O(secondary_certificate).
        type: str
      force_disconnect:
        description: As O(force_disconnect); the task's O(force_disconnect) when not given.
        type: bool
  concurrency:
    description:
      - Fleet form only. Requests in flight at once (V(1) is sequential).
    type: int
    default: 8
  rate_limit:
    description:
      - Fleet form only. Most requests per second for the whole task, on top of the adaptive limit that slows down on
        HTTP 429.
    type: float
  max_failures:
    description:
      - Fleet form only. How many devices may fail while the task still succeeds (failures are returned in
        RV(failures) either way).
    type: int
    default: 0
notes:
  - Only the C(reset-fingerprint) call writes fingerprints (UpdateDevice cannot). The platform accepts any well-formed
    value; it does not check that a certificate with that fingerprint exists.
seealso:
  - module: iotpki.certificates.iotda_device_certificate
  - module: iotpki.certificates.iotda_certificate_info
"""

EXAMPLES = r"""
- name: Stage the new certificate as the secondary fingerprint (the device keeps working with the old one)
  iotpki.certificates.iotda_device_fingerprint:
    device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0001
    secondary_certificate: "{{ lookup('ansible.builtin.file', 'meter-0001-2027.pem') }}"

- name: Promote it once the device runs the new certificate, and clear the secondary
  iotpki.certificates.iotda_device_fingerprint:
    device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0001
    certificate: "{{ lookup('ansible.builtin.file', 'meter-0001-2027.pem') }}"
    secondary_fingerprint: ""

- name: Set a primary fingerprint by value and drop the device's current session
  iotpki.certificates.iotda_device_fingerprint:
    device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0002
    fingerprint: "93:0f:fe:a6:9b:4b:61:60:0e:2a:b1:85:a0:d6:b4:30:aa:21:0b:20:0c:66:31:b6:28:8f:77:ea:1a:de:00:e5"
    force_disconnect: true

- name: Stage new certificates on a whole fleet in one task
  iotpki.certificates.iotda_device_fingerprint:
    devices: "{{ rotation }}"
    concurrency: 16
    max_failures: 5
  vars:
    rotation:
      - device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0001
        secondary_fingerprint: 54598FEDE3E5FA8CEEAF4048D4D2F00DE4C2ABE987E96F3583263B90C4EABA24
      - device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0002
        secondary_fingerprint: 930FFEA69B4B61600E2AB185A0D6B430AA210B200C6631B6288F77EA1ADE00E5
  register: staged
"""

RETURN = r"""
device:
  description:
    - Single form. The device record after the run (predicted in check mode). Never contains C(secret) or
      C(secondary_secret).
  returned: success, single form
  type: dict
  contains:
    device_id:
      description: Device ID.
      type: str
    node_id:
      description: Device identifier code (IMEI, MAC address, serial number).
      type: str
    device_name:
      description: Device name.
      type: str
    product_id:
      description: ID of the device's product.
      type: str
    app_id:
      description: Resource space of the device.
      type: str
    status:
      description: V(online), V(offline), V(abnormal), V(inactive) or V(frozen).
      type: str
    auth_type:
      description: V(certificates) or V(secret).
      type: str
    fingerprint:
      description: The primary fingerprint, uppercase hex without separators; V(null) when the slot is empty.
      type: str
    secondary_fingerprint:
      description: The secondary fingerprint, uppercase hex without separators; V(null) when the slot is empty.
      type: str
  sample:
    device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0001
    node_id: meter-0001
    device_name: meter-0001
    product_id: 6571a2b3c4d5e6f7a8b9c0d1
    app_id: b2f1c0d4e5a64c7f9e3a1b2c3d4e5f60
    status: online
    auth_type: certificates
    fingerprint: 930FFEA69B4B61600E2AB185A0D6B430AA210B200C6631B6288F77EA1ADE00E5
    secondary_fingerprint: 54598FEDE3E5FA8CEEAF4048D4D2F00DE4C2ABE987E96F3583263B90C4EABA24
devices:
  description: Fleet form. The device records after the run (predicted in check mode), in the order of O(devices).
  returned: success or failure, fleet form
  type: list
  elements: dict
changed_ids:
  description: Fleet form. IDs of the devices that were changed (would be, in check mode).
  returned: fleet form
  type: list
  elements: str
failures:
  description: Fleet form. One entry per device that failed, with C(target) (the device ID), C(msg) and C(error).
  returned: fleet form
  type: list
  elements: dict
not_found:
  description: Fleet form. IDs of the devices of O(devices) that do not exist (they are in RV(failures) too).
  returned: fleet form
  type: list
  elements: str
summary:
  description: Fleet form. The account of the run.
  returned: fleet form
  type: dict
  contains:
    matched:
      description: Devices in O(devices).
      type: int
    changed:
      description: Devices changed (would be, in check mode).
      type: int
    unchanged:
      description: Devices that needed no change.
      type: int
    failed:
      description: Devices that failed (unknown devices included).
      type: int
    not_found:
      description: Devices that do not exist.
      type: int
    requests:
      description: Requests sent by the task.
      type: int
    seconds:
      description: Duration of the task.
      type: float
diff:
  description:
    - The device record before and after (single form), or the changed records keyed by device ID (fleet form).
  returned: success
  type: dict
  sample:
    before:
      device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0001
      fingerprint: 930FFEA69B4B61600E2AB185A0D6B430AA210B200C6631B6288F77EA1ADE00E5
      secondary_fingerprint: null
    after:
      device_id: 6571a2b3c4d5e6f7a8b9c0d1_meter-0001
      fingerprint: 930FFEA69B4B61600E2AB185A0D6B430AA210B200C6631B6288F77EA1ADE00E5
      secondary_fingerprint: 54598FEDE3E5FA8CEEAF4048D4D2F00DE4C2ABE987E96F3583263B90C4EABA24
error:
  description: The API error of a failed request (single form; see the collection's error shape).
  returned: failure
  type: dict
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_devices as devices
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule, compare
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import normalize_fingerprint

# slot -> (fingerprint option, certificate option)
SLOT_OPTIONS = {
    "fingerprint": ("fingerprint", "certificate"),
    "secondary_fingerprint": ("secondary_fingerprint", "secondary_certificate"),
}
DEVICE_OPTIONS = {
    "fingerprint": {"type": "str"},
    "certificate": {"type": "str"},
    "secondary_fingerprint": {"type": "str"},
    "secondary_certificate": {"type": "str"},
}


class Target(t.NamedTuple):
    """What one slot must hold: ``value`` to send (None clears), ``accepted`` the forms that count as equal."""

    value: t.Optional[str]
    accepted: t.FrozenSet[str]


class Wanted(t.NamedTuple):
    """One device's desired fingerprints, checked before any request."""

    device_id: str
    targets: t.Dict[str, Target]
    force_disconnect: bool


class DeviceNotFound(InputError):
    """The show call answered 404 (the fleet form counts these in ``not_found``)."""

    def __init__(self, device_id: str) -> None:
        super().__init__("IoTDA device %r does not exist (check device_id; the show call answered HTTP 404)" % device_id)


def slot_target(options: t.Mapping[str, t.Any], slot: str, where: str) -> t.Optional[Target]:
    """The target of one slot from its fingerprint or certificate option; None when neither is given."""
    fingerprint_option, certificate_option = SLOT_OPTIONS[slot]
    fingerprint, pem = options.get(fingerprint_option), options.get(certificate_option)
    if fingerprint is not None and pem is not None:
        raise InputError("%sgive %s or %s, not both" % (where, fingerprint_option, certificate_option))
    if fingerprint == "" or pem == "":
        return Target(None, frozenset())
    if fingerprint is not None:
        try:
            value = normalize_fingerprint(fingerprint)
        except InputError as error:
            raise InputError("%s%s: %s" % (where, fingerprint_option, error)) from None
        return Target(value, frozenset([value]))
    if pem is not None:
        from ansible_collections.iotpki.certificates.plugins.module_utils._x509 import load_certificate  # cryptography: only here

        info = load_certificate(pem, where + certificate_option)
        return Target(info.fingerprint_sha256, frozenset([info.fingerprint_sha256, info.fingerprint_sha1]))
    return None


def wanted_from(options: t.Mapping[str, t.Any], force_disconnect: bool, where: str = "") -> Wanted:
    """The desired state of one device (single form: the module's options; fleet form: one item)."""
    device_id = options.get("device_id")
    if not device_id:
        raise InputError("%sdevice_id is required" % where)
    targets = {}
    for slot in SLOT_OPTIONS:
        target = slot_target(options, slot, where)
        if target is not None:
            targets[slot] = target
    if not targets:
        raise InputError(
            "%snothing to set on device %r: give fingerprint or certificate (primary), and/or secondary_fingerprint or "
            "secondary_certificate ('' clears a slot)" % (where, device_id)
        )
    item_force = options.get("force_disconnect")
    return Wanted(device_id, targets, force_disconnect if item_force is None else bool(item_force))


def ensure(client: t.Any, wanted: Wanted, check_mode: bool, hide: t.Callable[[str], None]) -> t.Tuple[t.Dict[str, t.Any], t.Dict[str, t.Any]]:
    """Bring one device to ``wanted``: (record before, record after). At most one write per slot."""
    answer = devices.show_device(client, wanted.device_id, hide)
    if answer is None:
        raise DeviceNotFound(wanted.device_id)
    before = devices.device_record(answer)
    if before["auth_type"] != "certificates":
        raise InputError(
            "IoTDA device %r authenticates with auth_type %s, not CERTIFICATES: its fingerprints are not used. A fingerprint "
            "reset would switch it to certificate authentication; change its authentication on the platform deliberately "
            "first, or leave it out of this task" % (wanted.device_id, (before["auth_type"] or "unknown").upper())
        )
    after = dict(before)
    for slot, target in wanted.targets.items():  # primary first (insertion order of SLOT_OPTIONS)
        current = before[slot]
        if (current is None) if target.value is None else (current in target.accepted):
            continue
        if not check_mode:
            devices.reset_fingerprint(client, wanted.device_id, slot, target.value, wanted.force_disconnect)
        after[slot] = target.value
    return before, after


def ensure_module(module: IotpkiModule) -> t.Dict[str, t.Any]:
    if module.params["devices"] is not None:
        return ensure_fleet(module)
    wanted = wanted_from(module.params, module.params["force_disconnect"])
    before, after = ensure(module.client, wanted, module.check_mode, module.no_log_values.add)
    changed, diff = compare(before, after)
    return {"changed": changed, "device": after, "diff": diff}


def ensure_fleet(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """The ``devices`` form: every device read once and written at most once per slot, concurrently."""
    from ansible_collections.iotpki.certificates.plugins.module_utils import _fleet as fleet

    controls = fleet.run_controls(module.params)
    force = module.params["force_disconnect"]
    wanted = [wanted_from(item, force, where="devices[%d]: " % index) for index, item in enumerate(module.params["devices"])]
    seen: t.Set[str] = set()
    for item in wanted:
        if item.device_id in seen:
            raise InputError("devices: device %r is listed more than once; give each device once with all its fingerprints" % item.device_id)
        seen.add(item.device_id)

    client = module.client
    engine = fleet.Fleet(client, controls)
    outcomes = engine.map(lambda item: ensure(client, item, module.check_mode, module.no_log_values.add), wanted)

    records: t.List[t.Dict[str, t.Any]] = []
    changed_ids: t.List[str] = []
    failures: t.List[t.Dict[str, t.Any]] = []
    not_found: t.List[str] = []
    diff: t.Dict[str, t.Dict[str, t.Any]] = {"before": {}, "after": {}}
    for outcome in outcomes:
        device_id = outcome.item.device_id
        if outcome.error is not None:
            if isinstance(outcome.error, DeviceNotFound):
                not_found.append(device_id)
            failures.append(fleet.failure_entry(device_id, outcome.error))
            continue
        before, after = outcome.value
        records.append(after)
        if after != before:
            changed_ids.append(device_id)
            diff["before"][device_id] = before
            diff["after"][device_id] = after
    result, message = fleet.fleet_result(
        records=records, changed_ids=changed_ids, failures=failures, not_found=not_found, matched=len(wanted),
        seconds=engine.seconds, requests=engine.requests, max_failures=controls.max_failures, check_mode=module.check_mode,
    )
    result["devices"] = result.pop("certificates")
    result["diff"] = diff
    if message:
        module.fail_json(msg=message, **result)
    return result


def needs_cryptography(params: t.Mapping[str, t.Any]) -> bool:
    items = params.get("devices") or [params]
    return any(item.get(name) for item in items for name in ("certificate", "secondary_certificate"))


def main() -> None:
    spec: t.Dict[str, t.Any] = {"device_id": {"type": "str"}}
    spec.update(DEVICE_OPTIONS)
    spec["force_disconnect"] = {"type": "bool", "default": False}
    spec["devices"] = {
        "type": "list",
        "elements": "dict",
        "options": dict({"device_id": {"type": "str", "required": True}, "force_disconnect": {"type": "bool"}}, **DEVICE_OPTIONS),
    }
    module = IotpkiModule(
        "iotda",
        spec,
        fleet=True,
        mutually_exclusive=[("device_id", "devices"), ("fingerprint", "certificate"), ("secondary_fingerprint", "secondary_certificate")],
        required_one_of=[("device_id", "devices")],
    )
    if needs_cryptography(module.params):
        module.require_cryptography()
    module.run(ensure_module)


if __name__ == "__main__":
    main()

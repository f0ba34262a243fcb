#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: enos_certificate_revoke
short_description: Revoke a certificate bound to an Envision EnOS device
version_added: 0.1.0
description:
  - Revokes one certificate, given by its serial number O(cert_sn), that the EnOS Connection Service has bound to a device.
  - The module first lists the device's certificates. A certificate that is already revoked, or has expired, is left alone
    (RV(ignore:changed=false)). A serial that is not bound to the device fails with a message naming the device, the serial,
    and the serials that are bound to it. A valid certificate is revoked and then read again, so RV(certificate) shows the
    platform's record after the revocation.
  - EnOS cannot undo a revocation. Use C(--check --diff) first during an incident if in doubt.
  - The fleet form O(targets) revokes many certificates in one task, with one access token for the whole task. Each
    device's certificates are listed once; the devices are worked on O(concurrency) at a time under one shared, adaptive
    rate limit. A target that fails does not stop the others, and a re-run after a partial failure only revokes what is
    left. See the collection's fleet operations guide.
author:
  - iotpki.certificates developers (@iotpki)
options:
  cert_sn:
    description:
      - Serial number of the certificate (C(certSN) in EnOS answers; the decimal X.509 serial number).
      - Must be 0 or greater.
      - Required in the single form (without O(targets)).
    type: int
  reason:
    description:
      - Why the certificate is revoked. Sent as its RFC 5280 CRLReason number
        (V(unspecified)=0, V(key_compromise)=1, V(affiliation_changed)=3, V(superseded)=4,
        V(cessation_of_operation)=5, V(certificate_hold)=6, V(privilege_withdrawn)=9).
      - Use V(key_compromise) when the device's private key is known or suspected to be exposed.
      - In the fleet form, the reason of every target that does not set its own.
    type: str
    default: unspecified
    choices:
      - unspecified
      - key_compromise
      - affiliation_changed
      - superseded
      - cessation_of_operation
      - certificate_hold
      - privilege_withdrawn
  targets:
    description:
      - The fleet form. Each item is one certificate to revoke, on a device selected by C(asset_id), or by C(product_key)
        with C(device_key) (exactly one way).
      - Not together with O(asset_id), O(product_key), O(device_key) or O(cert_sn). At least one item; an item that
        repeats another (same device and serial) is done once.
    type: list
    elements: dict
    suboptions:
      asset_id:
        description: The device's asset ID.
        type: str
      product_key:
        description: The device's product key (with C(device_key)).
        type: str
      device_key:
        description: The device's key (with C(product_key)).
        type: str
      cert_sn:
        description: Serial number of the certificate, 0 or greater.
        type: int
        required: true
      reason:
        description: Why it is revoked (the choices of O(reason)); defaults to O(reason).
        type: str
        choices:
          - unspecified
          - key_compromise
          - affiliation_changed
          - superseded
          - cessation_of_operation
          - certificate_hold
          - privilege_withdrawn
extends_documentation_fragment:
  - iotpki.certificates.enos
  - iotpki.certificates.enos.device
  - iotpki.certificates.fleet
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.enos_group
attributes:
  check_mode:
    support: full
    details:
      - Lists the device's certificates (a read) and predicts the result without sending the revoke request.
      - In the fleet form, RV(certificates), RV(changed_ids) and RV(summary) are the exact prediction of the real run.
      - In check mode RV(certificate.revoker) is V(null), because only the platform knows who it will record as revoker.
  diff_mode:
    support: full
    details:
      - The diff shows the normalised certificate before and after; a revocation changes RV(certificate.status) from
        V(valid) to V(revoked) and sets RV(certificate.revoke_reason). The diff is returned also without C(--diff).
      - In the fleet form (with C(--diff) only), C(before) and C(after) hold the changed records only, keyed by target.
  idempotent:
    support: full
    details:
      - The certificate's status decides. A revoked or expired certificate is not revoked again, whatever O(reason) says
        (EnOS keeps the reason of the first revocation); only one token request and one list request are sent.
notes:
  - The platform reports the revocation reason as text such as C(KEY COMPROMISE). The module shows it by the names of
    O(reason) (V(key_compromise)); a text it does not recognise is shown unchanged.
  - Revoking an expired certificate is not possible; the module reports RV(ignore:changed=false) with a warning that the
    certificate has expired.
seealso:
  - module: iotpki.certificates.enos_certificate_info
"""

EXAMPLES = r"""
- name: Revoke the certificate of a device whose private key leaked
  iotpki.certificates.enos_certificate_revoke:
    asset_id: Xk3mDq9v
    cert_sn: 32720
    reason: key_compromise

- name: Revoke by product key and device key, connection options from the environment
  iotpki.certificates.enos_certificate_revoke:
    product_key: pk7Jd0cQ
    device_key: meter-0042
    cert_sn: 52739
    reason: cessation_of_operation

- name: Revoke every valid certificate of a device, with connection options for the whole block
  module_defaults:
    group/iotpki.certificates.enos:
      gateway_url: https://apim-ppe1.envisioniot.com
      org_id: o15000000000001
      access_key: "{{ enos_access_key }}"
      secret_key: "{{ enos_secret_key }}"
  block:
    - name: List the valid certificates of the device
      iotpki.certificates.enos_certificate_info:
        asset_id: Xk3mDq9v
        status: valid
      register: enos_valid

    - name: Revoke them
      iotpki.certificates.enos_certificate_revoke:
        asset_id: Xk3mDq9v
        cert_sn: "{{ item.cert_sn }}"
        reason: key_compromise
      loop: "{{ enos_valid.certificates }}"
      loop_control:
        label: "{{ item.cert_sn }}"

- name: Revoke the certificates of a whole batch in one task (preview it first with --check --diff)
  iotpki.certificates.enos_certificate_revoke:
    targets:
      - asset_id: Xk3mDq9v
        cert_sn: 32720
      - product_key: pk7Jd0cQ
        device_key: meter-0042
        cert_sn: 52739
        reason: cessation_of_operation
    reason: key_compromise
    concurrency: 8
    max_failures: 0
  register: revoked
"""

RETURN = r"""
certificate:
  description:
    - The certificate, normalised. After a revocation it is the platform's record read again;
      in check mode it is the predicted record.
  returned: success, single form
  type: dict
  sample:
    cert_sn: 32720
    status: revoked
    subject: "EMAILADDRESS=ops@example.com, OU=EnOS, CN=demo-meter-001, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
    issuer: "EMAILADDRESS=ca@eniot.io, CN=EnOS CA, OU=EnOS CA, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
    sign_date: "2025-01-31T12:00:00Z"
    effective_date: "2025-01-31T12:00:00Z"
    expire_date: "2026-01-31T12:00:00Z"
    revoker: IoT_Hub
    revoke_reason: key_compromise
    issue_authority: rsa
    expires_in_days: 212
  contains:
    cert_sn:
      description: Serial number (C(certSN) of the platform, as an integer).
      type: int
    status:
      description: V(valid), V(revoked) or V(expired) (C(certStatus) 0, 1, 2); V(null) for a status the module does not know.
      type: str
    subject:
      description: Subject distinguished name as the platform writes it.
      type: str
    issuer:
      description: Issuer distinguished name as the platform writes it.
      type: str
    sign_date:
      description: When the certificate was issued, ISO 8601 UTC (for example V(2026-01-31T12:00:00Z)).
      type: str
    effective_date:
      description: Start of validity, ISO 8601 UTC (from C(effectiveDate), or the platform's spelling C(effetiveDate)).
      type: str
    expire_date:
      description: End of validity, ISO 8601 UTC.
      type: str
    revoker:
      description: Who revoked the certificate, as recorded by the platform; V(null) when not revoked, and in check mode.
      type: str
    revoke_reason:
      description:
        - Revocation reason by the names of O(reason) (for example V(key_compromise)); V(null) when not revoked.
        - A reason text the module does not recognise is returned as the platform wrote it.
      type: str
    issue_authority:
      description: Key algorithm of the issuing CA, V(rsa) or V(ecc) (lower case).
      type: str
    expires_in_days:
      description: Whole days until RV(certificate.expire_date), computed on the Ansible host; negative once expired.
      type: int
diff:
  description: The normalised certificate before and after (see RV(certificate)).
  returned: success
  type: dict
  sample:
    before:
      cert_sn: 32720
      status: valid
      revoker: null
      revoke_reason: null
    after:
      cert_sn: 32720
      status: revoked
      revoker: IoT_Hub
      revoke_reason: key_compromise
certificates:
  description:
    - Fleet form. The records of the targets after the run (predicted in check mode), in the order of O(targets), each
      with the keys of RV(certificate). Targets that failed are left out.
  returned: fleet form
  type: list
  elements: dict
changed_ids:
  description:
    - Fleet form. The targets revoked by the run (that would be, in check mode), each named as in RV(failures), for
      example C(asset_id=Xk3mDq9v cert_sn=32720).
  returned: fleet form
  type: list
  elements: str
failures:
  description:
    - Fleet form. One entry per target that failed, with C(target), C(msg) and C(error) (the API error, or V(null), for
      example for a serial that is not bound to the device).
  returned: fleet form
  type: list
  elements: dict
not_found:
  description: Fleet form. Always empty; a serial that is not bound to its device is a failure.
  returned: fleet form
  type: list
  elements: str
summary:
  description:
    - Fleet form. The account of the run (the prediction in check mode), with C(matched), C(changed), C(unchanged),
      C(failed), C(not_found), C(requests) (every attempt, the token request included) and C(seconds).
  returned: fleet form
  type: dict
  sample:
    matched: 500
    changed: 498
    unchanged: 2
    failed: 0
    not_found: 0
    requests: 1499
    seconds: 21.7
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import describe_device
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import Fleet, failure_entry, fleet_result, run_controls
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule, compare

TARGET_OPTIONS: t.Dict[str, t.Dict[str, t.Any]] = enos.device_argument_spec(
    cert_sn=dict(type="int", required=True),
    reason=dict(type="str", choices=list(enos.REASONS)),
)
ARGUMENT_SPEC = enos.device_argument_spec(
    cert_sn=dict(type="int"),
    reason=dict(type="str", default="unspecified", choices=list(enos.REASONS)),
    targets=dict(type="list", elements="dict", options=TARGET_OPTIONS),
)
SINGLE_OPTIONS = ("asset_id", "product_key", "device_key", "cert_sn")


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """List first: only a valid certificate is revoked; a revoked or expired one is left as it is."""
    if module.params["targets"] is not None:
        return ensure_fleet(module)
    device = enos.device_selection(module.params)
    if module.params["cert_sn"] is None:
        raise InputError("cert_sn is required: the serial number of the certificate to revoke (or give targets, the fleet form)")
    cert_sn = enos.check_cert_sn(module.params["cert_sn"])
    reason = module.params["reason"]

    certificates = enos.list_certificates(module.client, device)
    before = enos.find(certificates, cert_sn)
    if before is None:
        raise InputError(enos.not_bound_message(device, cert_sn, certificates))

    if before["status"] != "valid":
        warn_unchanged(module, device, before, reason)
        after = before
    else:
        after = dict(before, status="revoked", revoker=None, revoke_reason=reason)
        if not module.check_mode:
            revoked_here, found = enos.revoke(module.client, device, cert_sn, reason)
            after = found or after
            if not revoked_here:
                before = after  # another run revoked it first
            elif after["status"] != "revoked":
                module.warn("EnOS accepted the revocation of certificate %d, but still lists it as %s" % (cert_sn, after["status"]))
    changed, diff = compare(before, after)
    return {"changed": changed, "certificate": after, "diff": diff}


def warn_unchanged(module: IotpkiModule, device: t.Sequence[t.Tuple[str, str]], certificate: t.Mapping[str, t.Any], reason: str) -> None:
    """Say why nothing was done when the user might expect otherwise."""
    warning = unchanged_warning(device, certificate, reason)
    if warning:
        module.warn(warning)


def unchanged_warning(device: t.Sequence[t.Tuple[str, str]], certificate: t.Mapping[str, t.Any], reason: str) -> t.Optional[str]:
    where = "certificate %d of EnOS device %s" % (certificate["cert_sn"], describe_device(device))
    if certificate["status"] == "expired":
        return "%s has expired (%s) and cannot be revoked; nothing to do" % (where, certificate["expire_date"] or "date unknown")
    if certificate["status"] == "revoked" and reason != "unspecified" and certificate["revoke_reason"] not in (None, reason):
        return "%s was already revoked with reason %s; EnOS keeps the first reason, not %s" % (where, certificate["revoke_reason"], reason)
    if certificate["status"] != "revoked":
        return "%s has status %s, not valid; it was not revoked" % (where, certificate["status"] or "unknown")
    return None


# -- the fleet form --------------------------------------------------------------------------------

class Target(t.NamedTuple):
    device: t.Tuple[t.Tuple[str, str], ...]
    cert_sn: int
    reason: str
    name: str  # how results and messages name it: "asset_id=... cert_sn=..."


class Done(t.NamedTuple):
    """What happened to one target: its record before and after (None when unknown), or its error."""

    target: Target
    before: t.Optional[t.Dict[str, t.Any]]
    after: t.Optional[t.Dict[str, t.Any]]
    error: t.Optional[Exception] = None
    warning: t.Optional[str] = None


def targets_from_params(params: t.Mapping[str, t.Any]) -> t.List[Target]:
    """The validated targets, in order, each once; InputError naming the item, before any request."""
    mixed = [name for name in SINGLE_OPTIONS if params.get(name) not in (None, "")]
    if mixed:
        raise InputError("targets is the fleet form: it cannot be combined with %s (put them in each item of targets)" % ", ".join(mixed))
    if not params["targets"]:
        raise InputError("targets must list at least one {asset_id or product_key + device_key, cert_sn}")
    targets: t.Dict[t.Tuple[t.Any, ...], Target] = {}
    for index, item in enumerate(params["targets"]):
        try:
            device = tuple(enos.device_selection(item))
            cert_sn = enos.check_cert_sn(item["cert_sn"])
        except InputError as error:
            raise InputError("targets[%d]: %s" % (index, error)) from None
        name = "%s cert_sn=%d" % (describe_device(device), cert_sn)
        targets.setdefault((device, cert_sn), Target(device, cert_sn, item.get("reason") or params["reason"], name))
    return list(targets.values())


def revoke_on_device(module: IotpkiModule, targets: t.List[Target]) -> t.List[Done]:
    """One device's targets: one list, the revocations (not in check mode), one list again to read the results."""
    client = module.client
    device = targets[0].device
    listed = enos.list_certificates(client, device)
    done: t.List[Done] = []
    sent: t.List[t.Tuple[Target, t.Dict[str, t.Any], t.Dict[str, t.Any], t.Optional[ApiError]]] = []
    for target in targets:
        before = enos.find(listed, target.cert_sn)
        if before is None:
            done.append(Done(target, None, None, InputError(enos.not_bound_message(device, target.cert_sn, listed))))
        elif before["status"] != "valid":
            done.append(Done(target, before, before, warning=unchanged_warning(device, before, target.reason)))
        else:
            predicted = dict(before, status="revoked", revoker=None, revoke_reason=target.reason)
            if module.check_mode:
                done.append(Done(target, before, predicted))
                continue
            try:
                sent.append((target, before, predicted, send_through_throttles(module, device, target)))
            except ApiError as error:
                done.append(Done(target, before, None, error))
    if sent:
        try:
            relisted = enos.list_certificates(client, device)
        except ApiError as error:  # the revocations went through: report them as predicted
            relisted = []
            module.warn("EnOS device %s: the revocations were sent, but listing its certificates again failed (%s); "
                        "the results show the predicted records" % (describe_device(device), error))
        for target, before, predicted, refusal in sent:
            after = enos.find(relisted, target.cert_sn)
            if refusal is not None:  # 99400: done by another run, or a real refusal
                done.append(Done(target, after, after) if after and after["status"] == "revoked" else Done(target, before, None, refusal))
            else:
                done.append(Done(target, before, after if after is not None else predicted))
    order = {target.name: index for index, target in enumerate(targets)}
    return sorted(done, key=lambda entry: order[entry.target.name])


def send_through_throttles(module: IotpkiModule, device: t.Sequence[t.Tuple[str, str]], target: Target) -> t.Optional[ApiError]:
    """The revoke request, sent again (up to ``retries`` times) only after an HTTP 429: a throttled request was not
    acted on, and the shared limiter has paused every worker before the next attempt. The HTTP client itself never
    repeats a POST whose answer was lost or failed; neither does this."""
    attempts = 0
    while True:
        try:
            return enos.send_revoke(module.client, device, target.cert_sn, target.reason)
        except ApiError as error:
            attempts += 1
            if error.http_status != 429 or attempts > (module.params.get("retries") or 0):
                raise


def ensure_fleet(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """Revoke every target: the devices in parallel, each device's targets together; fail past max_failures."""
    targets = targets_from_params(module.params)
    controls = run_controls(module.params)
    fleet = Fleet(module.client, controls)
    by_device: t.Dict[t.Tuple[t.Tuple[str, str], ...], t.List[Target]] = {}
    for target in targets:
        by_device.setdefault(target.device, []).append(target)
    results: t.Dict[str, Done] = {}
    for outcome in fleet.map(lambda device: revoke_on_device(module, by_device[device]), list(by_device), "devices"):
        if outcome.error is not None:
            for target in by_device[outcome.item]:
                results[target.name] = Done(target, None, None, outcome.error)
        else:
            results.update((entry.target.name, entry) for entry in outcome.value)
    records, changed_ids, failures = [], [], []
    before_diff, after_diff = {}, {}
    for target in targets:
        entry = results[target.name]
        if entry.warning:
            module.warn(entry.warning)
        if entry.error is not None:
            failures.append(failure_entry(target.name, entry.error))
            continue
        records.append(entry.after)
        changed, diff = compare(entry.before, entry.after)
        if changed:
            changed_ids.append(target.name)
            before_diff[target.name], after_diff[target.name] = diff["before"], diff["after"]
    result, message = fleet_result(
        records=records, changed_ids=changed_ids, failures=failures, not_found=[], matched=len(targets),
        seconds=fleet.seconds, requests=fleet.requests, max_failures=controls.max_failures, check_mode=module.check_mode,
    )
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": before_diff, "after": after_diff}
    if message is not None:
        module.fail_json(msg=message, **result)
    return result


def main() -> None:
    IotpkiModule("enos", ARGUMENT_SPEC, fleet=True).run(ensure)


if __name__ == "__main__":
    main()

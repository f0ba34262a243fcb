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
author:
  - iotpki.certificates developers (@iotpki)
options:
  cert_sn:
    description:
      - Serial number of the certificate (C(certSN) in EnOS answers; the decimal X.509 serial number).
      - Must be 0 or greater.
    type: int
    required: true
  reason:
    description:
      - Why the certificate is revoked. Sent as its RFC 5280 CRLReason number
        (V(unspecified)=0, V(key_compromise)=1, V(affiliation_changed)=3, V(superseded)=4,
        V(cessation_of_operation)=5, V(certificate_hold)=6, V(privilege_withdrawn)=9).
      - Use V(key_compromise) when the device's private key is known or suspected to be exposed.
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
extends_documentation_fragment:
  - iotpki.certificates.enos
  - iotpki.certificates.enos.device
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.enos_group
attributes:
  check_mode:
    support: full
    details:
      - Lists the device's certificates (a read) and predicts the result without sending the revoke request.
      - In check mode RV(certificate.revoker) is V(null), because only the platform knows who it will record as revoker.
  diff_mode:
    support: full
    details:
      - The diff shows the normalised certificate before and after; a revocation changes RV(certificate.status) from
        V(valid) to V(revoked) and sets RV(certificate.revoke_reason). The diff is returned also without C(--diff).
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
"""

RETURN = r"""
certificate:
  description:
    - The certificate, normalised. After a revocation it is the platform's record read again;
      in check mode it is the predicted record.
  returned: success
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
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import describe_device
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule, compare

ARGUMENT_SPEC = enos.device_argument_spec(
    cert_sn=dict(type="int", required=True),
    reason=dict(type="str", default="unspecified", choices=list(enos.REASONS)),
)


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """List first: only a valid certificate is revoked; a revoked or expired one is left as it is."""
    device = enos.device_selection(module.params)
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
    where = "certificate %d of EnOS device %s" % (certificate["cert_sn"], describe_device(device))
    if certificate["status"] == "expired":
        module.warn("%s has expired (%s) and cannot be revoked; nothing to do" % (where, certificate["expire_date"] or "date unknown"))
    elif certificate["status"] == "revoked" and reason != "unspecified" and certificate["revoke_reason"] not in (None, reason):
        module.warn("%s was already revoked with reason %s; EnOS keeps the first reason, not %s" % (where, certificate["revoke_reason"], reason))
    elif certificate["status"] != "revoked":
        module.warn("%s has status %s, not valid; it was not revoked" % (where, certificate["status"] or "unknown"))


def main() -> None:
    IotpkiModule("enos", ARGUMENT_SPEC).run(ensure)


if __name__ == "__main__":
    main()

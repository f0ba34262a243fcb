#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: enos_certificate_info
short_description: List the certificates bound to an Envision EnOS device
version_added: 0.1.0
description:
  - Lists the certificates that the EnOS Connection Service has bound to one device (valid, revoked and expired ones),
    normalised, each with the number of days until it expires.
  - One list request per run; the EnOS API does not page this list.
  - The filters O(cert_sn) and O(status) are applied on the Ansible host.
author:
  - iotpki.certificates developers (@iotpki)
options:
  cert_sn:
    description:
      - Return only the certificate with this serial number (an empty list if the device has none with it).
      - Must be 0 or greater.
    type: int
  status:
    description:
      - Return only certificates with this status.
    type: str
    choices:
      - valid
      - revoked
      - expired
extends_documentation_fragment:
  - iotpki.certificates.enos
  - iotpki.certificates.enos.device
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.info_module
  - iotpki.certificates.attributes.enos_group
attributes:
  idempotent:
    details:
      - Only reads; sends one token request and one list request per run.
notes:
  - The platform reports the revocation reason as text such as C(KEY COMPROMISE); it is returned as the matching value of
    O(iotpki.certificates.enos_certificate_revoke#module:reason), for example V(key_compromise).
    A text the module does not recognise is returned unchanged.
seealso:
  - module: iotpki.certificates.enos_certificate_revoke
"""

EXAMPLES = r"""
- name: List the certificates of a device
  iotpki.certificates.enos_certificate_info:
    asset_id: Xk3mDq9v
  register: enos_certs

- name: Show serial, status and days left
  ansible.builtin.debug:
    msg: "{{ enos_certs.certificates | map(attribute='cert_sn') | zip(enos_certs.certificates | map(attribute='expires_in_days')) }}"

- name: Find the valid certificate of a device selected by product key and device key
  iotpki.certificates.enos_certificate_info:
    product_key: pk7Jd0cQ
    device_key: meter-0042
    status: valid
  register: enos_valid

- name: Fail when the device's valid certificate expires within 30 days
  ansible.builtin.assert:
    that: enos_valid.certificates | map(attribute='expires_in_days') | select('lt', 30) | list | length == 0
    fail_msg: The device certificate expires soon; renew it.
"""

RETURN = r"""
certificates:
  description: The device's certificates that pass the filters, normalised, in the platform's order.
  returned: success
  type: list
  elements: dict
  sample:
    - cert_sn: 32720
      status: valid
      subject: "EMAILADDRESS=ops@example.com, OU=EnOS, CN=demo-meter-001, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
      issuer: "EMAILADDRESS=ca@eniot.io, CN=EnOS CA, OU=EnOS CA, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
      sign_date: "2025-01-31T12:00:00Z"
      effective_date: "2025-01-31T12:00:00Z"
      expire_date: "2026-01-31T12:00:00Z"
      revoker: null
      revoke_reason: null
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
      description: Who revoked the certificate, as recorded by the platform; V(null) when not revoked.
      type: str
    revoke_reason:
      description:
        - Revocation reason by the names of the O(iotpki.certificates.enos_certificate_revoke#module:reason) option
          (for example V(key_compromise)); V(null) when not revoked.
        - A reason text the module does not recognise is returned as the platform wrote it.
      type: str
    issue_authority:
      description: Key algorithm of the issuing CA, V(rsa) or V(ecc) (lower case).
      type: str
    expires_in_days:
      description: Whole days until RV(certificates[].expire_date), computed on the Ansible host; negative once expired.
      type: int
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule

ARGUMENT_SPEC = enos.device_argument_spec(
    cert_sn=dict(type="int"),
    status=dict(type="str", choices=list(enos.STATUSES.values())),
)


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    device = enos.device_selection(module.params)
    cert_sn = enos.check_cert_sn(module.params["cert_sn"])
    status = module.params["status"]
    certificates = [
        certificate
        for certificate in enos.list_certificates(module.client, device)
        if (cert_sn is None or certificate["cert_sn"] == cert_sn) and (status is None or certificate["status"] == status)
    ]
    return {"changed": False, "certificates": certificates}


def main() -> None:
    IotpkiModule("enos", ARGUMENT_SPEC).run(ensure)


if __name__ == "__main__":
    main()

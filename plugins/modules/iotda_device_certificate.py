#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iotda_device_certificate
short_description: Activate, deactivate or delete Huawei Cloud IoTDA device certificates
version_added: 0.1.0
description:
  - Sets the status of an existing IoTDA device certificate (V(active) or V(inactive)), or deletes it.
    Deactivating a device certificate stops every device using it from connecting, for example after a device key leaked.
  - The IoTDA API cannot create device certificates. The platform registers a device certificate when a device
    connects with it (devices and device certificates are linked by fingerprint), so this module only manages
    certificates that already exist.
  - Exactly one of O(certificate_id), O(fingerprint), O(common_name) or O(content) selects the certificate.
    All input is checked before any request is sent.
  - The fleet form acts on many certificates in one task. Exactly one of O(certificate_ids), O(fingerprints) or
    O(filters) selects them (not together with the single selectors); O(state) and O(status) apply to every selected
    certificate. Reads and writes run O(concurrency) at a time under one shared, adaptive rate limit; each certificate
    is written at most once; a certificate that fails does not stop the others, and a re-run after a partial failure
    only acts on what is left. See the collection's fleet operations guide.
author:
  - iotpki.certificates developers (@iotpki)
requirements:
  - requests
  - cryptography (only when O(content) or O(filters.issuer) is given)
extends_documentation_fragment:
  - iotpki.certificates.iotda
  - iotpki.certificates.fleet
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.iotda_group
attributes:
  check_mode:
    support: full
    details:
      - Finds the certificate and returns the predicted RV(certificate) and the same RV(diff) as a real run, without sending
        the C(PUT) or C(DELETE).
      - In the fleet form, RV(certificates), RV(changed_ids) and RV(summary) are the exact prediction of the real run.
  diff_mode:
    support: full
    details:
      - The diff compares C(certificate_id), C(common_name), C(fingerprint), C(status) and C(expiry_date); it never contains
        the certificate PEM. The diff is returned also without C(--diff).
      - In the fleet form (with C(--diff) only), C(before) and C(after) hold the changed records only, keyed by certificate ID.
  idempotent:
    support: full
    details:
      - Only C(status) is compared and changed (one C(PUT) when it differs). A certificate that is already gone is
        RV(ignore:changed=false) with O(state=absent).
      - An unchanged run sends no write and one read; the show call when selected by O(certificate_id), otherwise one
        list call per 50 certificates that match the server-side filter.
options:
  certificate_id:
    description:
      - ID of the device certificate, as assigned by the platform. Read with the show call.
      - Exactly one of O(certificate_id), O(fingerprint), O(common_name) and O(content) is required;
        an empty string counts as not given.
    type: str
  fingerprint:
    description:
      - SHA-256 (64 hex digits) or SHA-1 (40 hex digits) fingerprint of the device certificate, in any case and with or
        without colons, for example V(4838A6CC...D1BA) or V(48:38:a6:cc:...).
      - Sent as the list call's server-side C(fingerprint) filter.
    type: str
  common_name:
    description:
      - The exact subject common name (CN) of the device certificate.
      - The platform searches by prefix, so the module reads every page of the prefix search and keeps only the exact
        match (V(dev-1) does not select V(dev-10)). Several certificates with the same CN fail; select one by
        O(certificate_id) or O(fingerprint) then.
      - At most 32 characters of letters, digits, spaces, parentheses and C(_-?'#.,&%@!*) (the rule of the IoTDA
        search); other values fail before any request.
    type: str
  content:
    description:
      - The device certificate itself, in PEM format. Its SHA-256 fingerprint is computed locally and used as the
        O(fingerprint) filter; the PEM is never sent or returned.
      - Needs the Python library C(cryptography) on the host that runs the module.
    type: str
  state:
    description:
      - V(present) keeps the certificate and sets O(status) when given. A certificate that does not exist fails, because
        the API cannot create device certificates.
      - V(absent) deletes the certificate. A certificate that does not exist is RV(ignore:changed=false).
    type: str
    choices: [present, absent]
    default: present
  status:
    description:
      - The desired status. V(active) lets devices connect with the certificate; V(inactive) refuses them.
        Sent as C(ACTIVE) or C(INACTIVE).
      - When not given, the status is left as it is. Ignored with O(state=absent).
    type: str
    choices: [active, inactive]
  certificate_ids:
    description:
      - Fleet form. The IDs of the device certificates to act on (at least one, no empty entries).
      - IDs that match no certificate are returned in RV(not_found); the task fails then, unless O(state=absent).
      - When reading the whole listing takes fewer requests than one show call per ID, the module lists instead.
    type: list
    elements: str
  fingerprints:
    description:
      - Fleet form. Fingerprints of the device certificates to act on, each in any form O(fingerprint) accepts.
      - Fingerprints that match no certificate are returned in RV(not_found); the task fails then, unless O(state=absent).
    type: list
    elements: str
  filters:
    description:
      - Fleet form. Every device certificate that matches all the given filters (at least one must be set).
    type: dict
    suboptions:
      common_name_prefix:
        description:
          - Common names that start with this text (the platform's prefix search; the same characters as O(common_name)).
        type: str
      issuer:
        description:
          - The PEM of a CA certificate. A device certificate matches when it was signed by that CA's key, checked with the
            CA's public key on the certificate's PEM.
          - This costs one show call per candidate left by the other filters, so combine it with them when you can.
          - Must be a CA certificate (basicConstraints CA:TRUE). Needs the Python library C(cryptography).
        type: str
      expiring_within_days:
        description:
          - Certificates that expire within this many days from now (expired ones included).
        type: int
      status:
        description:
          - Certificates with this status.
        type: str
        choices: [active, inactive]
notes:
  - Devices are linked to device certificates by fingerprint. Deleting a certificate does not delete the devices; a
    device that connects again with the same certificate may register it again.
seealso:
  - module: iotpki.certificates.iotda_certificate_info
    description: List device certificates, their expiry and the devices using them.
  - module: iotpki.certificates.iotda_ca_certificate
    description: Upload and verify the CA certificates that issue device certificates.
"""

EXAMPLES = r"""
- name: Deactivate the certificate of a device whose key leaked
  iotpki.certificates.iotda_device_certificate:
    content: "{{ lookup('ansible.builtin.file', 'certs/device-001.pem') }}"
    status: inactive

- name: Activate it again, selected by its SHA-256 fingerprint
  iotpki.certificates.iotda_device_certificate:
    fingerprint: "48:38:a6:cc:bc:58:2d:c2:26:47:00:5f:bd:fb:2b:11:06:32:dd:da:5f:cf:b5:5b:33:07:c1:22:ef:c2:d1:ba"
    status: active

- name: Delete a device certificate by its exact common name
  iotpki.certificates.iotda_device_certificate:
    common_name: demo-device-001
    state: absent

- name: Deactivate every active device certificate issued by a compromised CA (preview it first with --check)
  iotpki.certificates.iotda_device_certificate:
    filters:
      issuer: "{{ lookup('ansible.builtin.file', 'certs/compromised-ca.pem') }}"
      status: active
    status: inactive
    concurrency: 8
    rate_limit: 40
  register: deactivated

- name: Delete a list of device certificates, letting up to 5 of them fail
  iotpki.certificates.iotda_device_certificate:
    certificate_ids: "{{ retired_certificate_ids }}"
    state: absent
    max_failures: 5

- name: Connection options once for several IoTDA tasks
  module_defaults:
    group/iotpki.certificates.iotda:
      endpoint: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com
      project_id: "{{ iotda_project_id }}"
      access_key: "{{ iotda_access_key }}"
      secret_key: "{{ iotda_secret_key }}"
  block:
    - name: Deactivate a device certificate by ID
      iotpki.certificates.iotda_device_certificate:
        certificate_id: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
        status: inactive
      register: deactivated

    - name: Show what changed
      ansible.builtin.debug:
        msg: "{{ deactivated.certificate.common_name }} is now {{ deactivated.certificate.status }}"
"""

RETURN = r"""
certificate:
  description:
    - The selected device certificate's record (the same keys as
      RV(iotpki.certificates.iotda_certificate_info#module:certificates) for
      O(iotpki.certificates.iotda_certificate_info#module:kind=device)), as it is after the run (as predicted in check mode).
      The certificate PEM is never returned.
    - With O(state=absent), the certificate that was deleted (or would be deleted in check mode).
    - An empty dictionary when no certificate matched and O(state=absent).
  returned: success, single form
  type: dict
  contains:
    certificate_id:
      description: ID assigned by the platform.
      type: str
      sample: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
    common_name:
      description: Subject common name (CN) of the certificate.
      type: str
      sample: demo-device-001
    fingerprint:
      description: SHA-256 fingerprint, uppercase hex without colons.
      type: str
      sample: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
    status:
      description:
        - V(active) or V(inactive), in lowercase like O(status), so that it can be compared with the option directly.
          The platform's wire values are C(ACTIVE) and C(INACTIVE); any other value is returned lowercased.
      type: str
      sample: inactive
    expiry_date:
      description: End of the certificate's validity, ISO 8601 UTC.
      type: str
      sample: "2027-08-10T07:05:47Z"
    expires_in_days:
      description: Whole days from now until RV(certificate.expiry_date), rounded down; negative once expired.
      type: int
      sample: 430
  sample:
    certificate_id: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
    common_name: demo-device-001
    fingerprint: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
    status: inactive
    expiry_date: "2027-08-10T07:05:47Z"
    expires_in_days: 430
diff:
  description:
    - The certificate record before and after the run (same keys as RV(certificate)).
    - Identical in check mode and in the real run.
    - Fleet form (with C(--diff) only), the changed records only, keyed by certificate ID.
  returned: success
  type: dict
  contains:
    before:
      description: The certificate as found; empty when nothing matched (O(state=absent) only).
      type: dict
    after:
      description: The certificate after the run; empty when it is deleted, or when nothing matched.
      type: dict
  sample:
    before:
      certificate_id: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
      common_name: demo-device-001
      fingerprint: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
      status: active
      expiry_date: "2027-08-10T07:05:47Z"
    after:
      certificate_id: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
      common_name: demo-device-001
      fingerprint: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
      status: inactive
      expiry_date: "2027-08-10T07:05:47Z"
certificates:
  description:
    - Fleet form. The selected certificates' records after the run (as predicted in check mode), without their PEM;
      with O(state=absent), the ones that are still there (those that failed).
  returned: fleet form
  type: list
  elements: dict
  sample:
    - certificate_id: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
      common_name: demo-device-001
      fingerprint: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
      status: inactive
      expiry_date: "2027-08-10T07:05:47Z"
      expires_in_days: 430
changed_ids:
  description: Fleet form. IDs of the certificates changed by the run (that would be, in check mode).
  returned: fleet form
  type: list
  elements: str
  sample: [75a0c144-7c3c-4dac-9fd6-8c63dd9e969d]
failures:
  description:
    - Fleet form. One entry per certificate that failed, with C(target) (its ID or fingerprint), C(msg) and C(error)
      (the API error, or V(null) for other failures). The others are done.
  returned: fleet form
  type: list
  elements: dict
  sample:
    - target: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
      msg: "PUT /v5/iot/0123/device-certificates/75a0c144-7c3c-4dac-9fd6-8c63dd9e969d: HTTP 500 ..."
      error:
        platform: IoTDA
        method: PUT
        url: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com/v5/iot/0123/device-certificates/75a0c144
        http_status: 500
        code: IOTDA.000001
        message: Internal error.
        request_id: 6b5e1c0e5d9c4a7f
        retryable: true
not_found:
  description: Fleet form. The IDs or fingerprints of O(certificate_ids) or O(fingerprints) that match no certificate.
  returned: fleet form
  type: list
  elements: str
  sample: []
summary:
  description: Fleet form. The account of the run (the prediction in check mode).
  returned: fleet form
  type: dict
  contains:
    matched:
      description: Certificates selected (found, or failed while being read).
      type: int
    changed:
      description: Certificates changed (that would be, in check mode).
      type: int
    unchanged:
      description: Certificates already as wanted.
      type: int
    failed:
      description: Certificates that failed (the length of RV(failures)).
      type: int
    not_found:
      description: Entries of O(certificate_ids) or O(fingerprints) that match nothing.
      type: int
    requests:
      description: HTTP requests the task sent, every attempt counted.
      type: int
    seconds:
      description: Time the fleet operation took.
      type: float
  sample:
    matched: 2000
    changed: 1990
    unchanged: 10
    failed: 0
    not_found: 0
    requests: 2040
    seconds: 41.2
matches:
  description: When the selector matched several certificates (the module fails then), their records.
  returned: failure with several matches
  type: list
  elements: dict
  sample:
    - certificate_id: 75a0c144-7c3c-4dac-9fd6-8c63dd9e969d
      common_name: dev-1
      fingerprint: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
      status: active
      expiry_date: "2027-08-10T07:05:47Z"
error:
  description:
    - The API error, on failure (see the collection's error shape). Also set when O(certificate_id) is unknown with
      O(state=present) (HTTP 404 of the show call).
  returned: failure
  type: dict
  sample:
    platform: IoTDA
    method: GET
    url: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com/v5/iot/0123/device-certificates/75a0c144
    http_status: 404
    code: IOTDA.014300
    message: The device certificate does not exist.
    request_id: 6b5e1c0e5d9c4a7f
    retryable: false
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as device_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_fleet as fleet
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule, compare

ARGUMENT_SPEC: t.Dict[str, t.Dict[str, t.Any]] = {
    "certificate_id": {"type": "str"},
    "fingerprint": {"type": "str"},
    "common_name": {"type": "str"},
    "content": {"type": "str"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "status": {"type": "str", "choices": ["active", "inactive"]},
    **fleet.ARGUMENT_SPEC,
}


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """Find the one certificate, compare its record with the wanted one, write only the difference."""
    params = module.params
    selector = device_certificates.selector_from_params(params)
    present = params["state"] == "present"
    try:
        before = device_certificates.find(module.client, selector, required=present) or {}
    except device_certificates.SeveralMatches as error:
        module.fail_from(error, matches=error.matches)
    if not present:
        after: t.Dict[str, t.Any] = {}
        if before and not module.check_mode and not device_certificates.delete(module.client, before["certificate_id"]):
            before = {}  # another run deleted it first
    else:
        after = dict(before, status=params["status"] or before["status"])
        if after != before and not module.check_mode:
            after = device_certificates.set_status(module.client, before["certificate_id"], after["status"]) or after
    changed, diff = compare(before, after)
    return {"changed": changed, "certificate": after if present else before, "diff": diff}


def main() -> None:
    module = IotpkiModule("iotda", ARGUMENT_SPEC, fleet=True)
    if module.params["content"] or (module.params["filters"] or {}).get("issuer"):
        module.require_cryptography()
    module.run(fleet.ensure if fleet.requested(module.params) else ensure)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iotda_certificate_info
short_description: Read Huawei Cloud IoTDA CA certificates, device certificates and the devices using them
version_added: 0.1.0
description:
  - Reads one certificate by O(certificate_id), or lists every CA certificate (O(kind=ca)) or device certificate
    (O(kind=device)) of the project, following the platform's C(page.marker) through all pages at 50 per request.
  - O(app_id), O(common_name) and O(fingerprint) are sent to the platform as filters; O(expiring_within_days) is applied
    locally because the platform cannot filter on expiry.
  - The list is complete or the task fails (a failed page fails the task after O(retries)); RV(truncated) tells when
    O(max_results) cut it.
  - Every certificate carries RV(certificates[].expires_in_days), computed on the controller from C(expiry_date).
  - O(issuer) keeps the device certificates signed by a CA's key; it costs one show call per candidate left by the other
    filters.
  - The pages of a listing (one marker window, offsets 0 to 500) and the per-certificate calls (O(include_content),
    O(include_devices), O(issuer)) run O(concurrency) at a time under one shared, adaptive rate limit; N certificates
    still cost ceil(N/50) list requests.
  - The lookup P(iotpki.certificates.iotda_certificate#lookup) does the same reads for templating.
author:
  - iotpki.certificates developers (@iotpki)
options:
  kind:
    description:
      - V(ca) reads CA certificates (C(/certificates)), V(device) reads device certificates (C(/device-certificates)).
    type: str
    choices: [ca, device]
    default: ca
  certificate_id:
    description:
      - ID of one certificate of O(kind), read with the platform's show call.
      - An ID the platform does not know returns an empty RV(certificates) list with RV(total=0), and a warning that
        names the other O(kind) to try (O(kind) defaults to V(ca)).
      - Cannot be combined with the list filters O(app_id), O(common_name), O(fingerprint) and O(expiring_within_days).
    type: str
  app_id:
    description:
      - Only CA certificates of this resource space (server-side filter). Only with O(kind=ca).
    type: str
  common_name:
    description:
      - Only device certificates whose common name B(starts with) this text (the platform's prefix search, at most
        32 characters). Only with O(kind=device).
      - M(iotpki.certificates.iotda_device_certificate) matches its common name exactly instead.
    type: str
  fingerprint:
    description:
      - Only the device certificate with this SHA-256 (64 hex digits) or SHA-1 (40 hex digits) fingerprint, any case,
        colons allowed (server-side filter). Only with O(kind=device).
    type: str
  expiring_within_days:
    description:
      - Only certificates whose C(expiry_date) is at most this many days from now, including the ones that have already
        expired (client-side filter; every page is still read).
      - With this filter RV(total) counts the certificates that match it, not the platform's C(page.count).
    type: int
  include_content:
    description:
      - Add the platform's PEM field to each certificate (C(content) for CA certificates, C(certificate_pem) for device
        certificates), with one show call per certificate of a listing.
    type: bool
    default: false
  include_devices:
    description:
      - Add RV(certificates[].devices), the devices that use each device certificate (the platform's C(list-device) call,
        all pages). Only with O(kind=device).
    type: bool
    default: false
  max_results:
    description:
      - Return at most this many certificates, and stop reading pages once they are gathered.
      - RV(total) still reports how many match; RV(truncated) is V(true) when the list was cut.
      - Unlimited when not set.
    type: int
  issuer:
    description:
      - Only the device certificates signed by this CA's key. The PEM of a CA certificate (basicConstraints CA:TRUE);
        each candidate's PEM, read with the show call, is checked with the CA's public key. Only with O(kind=device).
      - Applied after the other filters, so combine it with O(common_name) or O(expiring_within_days) when you can.
      - With this filter RV(total) counts the certificates that match it.
      - Needs the Python library C(cryptography) on the host that runs the module.
    type: str
  max_failures:
    description:
      - How many certificates may fail their per-certificate call (O(include_content), O(include_devices), O(issuer),
        O(certificate_id)) while the task still succeeds. Those certificates are left out of RV(certificates) and listed
        in RV(failures). A failed list page always fails the task.
      - V(0) (the default) fails the task when any certificate fails.
    type: int
    default: 0
extends_documentation_fragment:
  - iotpki.certificates.iotda
  - iotpki.certificates.fleet
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.info_module
  - iotpki.certificates.attributes.iotda_group
seealso:
  - plugin: iotpki.certificates.iotda_certificate
    plugin_type: lookup
  - module: iotpki.certificates.iotda_ca_certificate
  - module: iotpki.certificates.iotda_device_certificate
"""

EXAMPLES = r"""
- name: List every CA certificate of the project
  iotpki.certificates.iotda_certificate_info:
  register: ca_list

- name: Device certificates expiring within 30 days (or already expired)
  iotpki.certificates.iotda_certificate_info:
    kind: device
    expiring_within_days: 30
  register: expiring

- name: Find a device certificate by fingerprint, with its PEM and the devices that use it
  iotpki.certificates.iotda_certificate_info:
    kind: device
    fingerprint: "48:38:a6:cc:bc:58:2d:c2:26:47:00:5f:bd:fb:2b:11:06:32:dd:da:5f:cf:b5:5b:33:07:c1:22:ef:c2:d1:ba"
    include_content: true
    include_devices: true
  register: found

- name: One CA certificate, with its PEM
  iotpki.certificates.iotda_certificate_info:
    certificate_id: 62b3cec5558d4b703f064534
    include_content: true
  register: ca

- name: The blast radius of a compromised CA, with the devices using each certificate
  iotpki.certificates.iotda_certificate_info:
    kind: device
    issuer: "{{ lookup('ansible.builtin.file', 'certs/compromised-ca.pem') }}"
    include_devices: true
    concurrency: 8
  register: blast_radius

- name: The 10 newest device certificates whose common name starts with "meter-"
  iotpki.certificates.iotda_certificate_info:
    kind: device
    common_name: meter-
    max_results: 10
  register: meters
"""

RETURN = r"""
certificates:
  description:
    - The certificates (newest first), each as its kind's record, the same shape that
      M(iotpki.certificates.iotda_ca_certificate) and M(iotpki.certificates.iotda_device_certificate) return.
      A key the platform gives no value for is present with V(null).
    - CA certificates have C(certificate_id), C(common_name), C(owner), C(verified), C(verify_code), C(provision_enable),
      C(template_id), C(ocsp_enable), C(ocsp_ssl_enable), C(ocsp_server_ca_id), C(create_date), C(effective_date),
      C(expiry_date) and C(expires_in_days).
    - Device certificates have C(certificate_id), C(common_name), C(fingerprint) (SHA-256, uppercase hex without
      separators), C(status) (V(active) or V(inactive)), C(expiry_date) and C(expires_in_days).
    - Dates are ISO 8601 UTC strings such as C(2027-01-31T12:00:00Z).
  returned: always
  type: list
  elements: dict
  contains:
    certificate_id:
      description: The platform's certificate ID.
      type: str
      returned: always
      sample: 62b3cec5558d4b703f064534
    common_name:
      description: Subject common name (CN) of the certificate.
      type: str
      returned: always
      sample: meter-0001
    expiry_date:
      description: End of validity (C(notAfter)), ISO 8601 UTC.
      type: str
      returned: always
      sample: "2027-01-31T12:00:00Z"
    expires_in_days:
      description: Whole days from now until C(expiry_date), rounded down; negative once expired.
      type: int
      returned: always
      sample: 29
    verified:
      description: Whether the proof of possession of a CA certificate is done.
      type: bool
      returned: when O(kind=ca)
    owner:
      description: Owner of a CA certificate, as the platform reports it.
      type: str
      returned: when O(kind=ca)
    verify_code:
      description: The code the CN of a CA certificate's verification certificate must carry.
      type: str
      returned: when O(kind=ca)
    provision_enable:
      description: Whether self-registration with a CA certificate is enabled.
      type: bool
      returned: when O(kind=ca)
    template_id:
      description: Provisioning template bound to a CA certificate, or V(null).
      type: str
      returned: when O(kind=ca)
    ocsp_enable:
      description: Whether device certificates of a CA are checked with OCSP; V(null) when the platform does not say.
      type: bool
      returned: when O(kind=ca)
    ocsp_ssl_enable:
      description: Whether the OCSP server uses HTTPS; V(null) when the platform does not say.
      type: bool
      returned: when O(kind=ca)
    ocsp_server_ca_id:
      description: CA certificate that authenticates the OCSP server, or V(null).
      type: str
      returned: when O(kind=ca)
    create_date:
      description: When a CA certificate was uploaded, ISO 8601 UTC.
      type: str
      returned: when O(kind=ca)
    effective_date:
      description: Start of validity of a CA certificate (C(notBefore)), ISO 8601 UTC.
      type: str
      returned: when O(kind=ca)
    fingerprint:
      description: SHA-256 fingerprint of a device certificate, uppercase hex without separators.
      type: str
      returned: when O(kind=device)
    status:
      description: V(active) or V(inactive), the values of O(iotpki.certificates.iotda_device_certificate#module:status).
      type: str
      returned: when O(kind=device)
    content:
      description: PEM of a CA certificate.
      type: str
      returned: when O(include_content=true) and O(kind=ca)
    certificate_pem:
      description: PEM of a device certificate.
      type: str
      returned: when O(include_content=true) and O(kind=device)
    devices:
      description: The devices using the device certificate, each with C(device_id), C(node_id), C(device_name),
        C(product_id), C(app_id) and C(gateway_id).
      type: list
      elements: dict
      returned: when O(include_devices=true)
  sample:
    - certificate_id: 65f0a1b2c3d4e5f601234567
      common_name: meter-0001
      fingerprint: 4838A6CCBC582DC22647005FBDFB2B110632DDDA5FCFB55B3307C122EFC2D1BA
      status: active
      expiry_date: "2027-01-31T12:00:00Z"
      expires_in_days: 290
total:
  description:
    - How many certificates match the filters, that is the platform's C(page.count), whatever O(max_results) cut.
    - 1 or 0 for O(certificate_id). With O(expiring_within_days), the number of certificates that match it.
  returned: always
  type: int
  sample: 1234
returned:
  description: The length of RV(certificates).
  returned: always
  type: int
  sample: 1234
truncated:
  description: V(true) only when O(max_results) cut the list (more certificates match than were returned).
  returned: always
  type: bool
  sample: false
failures:
  description:
    - One entry per certificate whose per-certificate call failed, with C(target) (the certificate ID), C(msg) and
      C(error) (the API error, or V(null)). Those certificates are not in RV(certificates).
  returned: always
  type: list
  elements: dict
  sample: []
error:
  description: On failure, the API error of the failed list page, or of the first certificate that failed.
  returned: failure
  type: dict
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import run_controls
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import READ_OPTIONS, missing_message, read, read_query
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule

ARGUMENT_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict({name: dict(option) for name, option in READ_OPTIONS.items()}, certificate_id=dict(type="str"))


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """Read what the options ask for; an unknown certificate_id is an empty list with a warning, not a failure."""
    params = module.params
    ids = [params["certificate_id"]] if params["certificate_id"] is not None else []
    query = read_query(ids, **{name: params[name] for name in READ_OPTIONS})
    controls = run_controls(params)
    found = read(module.client, query, controls=controls)
    for certificate_id in found.missing:
        module.warn(missing_message(query.kind, certificate_id))
    message = found.failure_message(controls.max_failures)
    if message is not None:
        module.fail_json(msg=message, error=found.failures[0]["error"], **found.result())
    return dict(changed=False, **found.result())


def main() -> None:
    module = IotpkiModule("iotda", ARGUMENT_SPEC, fleet=True)
    if module.params["issuer"]:
        module.require_cryptography()
    module.run(ensure)


if __name__ == "__main__":
    main()

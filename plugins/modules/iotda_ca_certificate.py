#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iotda_ca_certificate
short_description: Upload, verify, update and delete Huawei Cloud IoTDA CA certificates
version_added: "0.1.0"
description:
  - Uploads a CA certificate to IoTDA once, and never again; performs the proof of possession (verification) that
    lets devices authenticate with certificates issued by the CA; binds a provisioning template and sets the OCSP
    options; deletes a CA certificate.
  - The CA certificate is identified by O(certificate_id), or else by its O(content). IoTDA's list call returns no
    PEM and no fingerprint, so the module lists the CA certificates (all pages, filtered by O(app_id) when given),
    takes those with the same CN, notBefore and notAfter, and confirms each with the PEM of the show call by comparing
    the DER. Several CA certificates that cannot be told apart make the module fail and list their IDs.
  - "Within one run the order is: upload, verify, update. Self-registration (O(provision_enable)) needs a verified CA."
author:
  - iotpki.certificates developers (@iotpki)
requirements:
  - requests
  - cryptography (when O(content), O(private_key) or O(verification_certificate) is given)
extends_documentation_fragment:
  - iotpki.certificates.iotda
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.iotda_group
attributes:
  check_mode:
    support: full
    details:
      - Reads the current state and returns the predicted RV(certificate) and the same C(diff) as a real run. Values
        only the platform assigns on upload (C(certificate_id), C(verify_code), C(create_date), C(owner)) are
        V(null) in the prediction.
  diff_mode:
    support: full
    details:
      - Before and after as CA certificate records (ID, CN, owner, verification status, provisioning, template, OCSP
        settings, dates in ISO 8601 UTC); never key material or PEM bodies.
  idempotent:
    support: full
    details:
      - Compares the certificate itself (DER, through the show call), its verification status, and
        O(provision_enable), O(template_id), O(ocsp_enable), O(ocsp_ssl_enable) and O(ocsp_server_ca_id) where they
        are set. Only the settings that differ are sent, in one update call.
      - A second run selected by O(certificate_id) costs one read (the show call); selected by O(content), one list
        request per 50 CA certificates plus one show call.
options:
  state:
    description:
      - V(present) uploads the CA certificate if it is not there, then verifies and updates it as asked.
      - V(absent) deletes it. A CA certificate that does not exist is not an error.
    type: str
    choices: [present, absent]
    default: present
  certificate_id:
    description:
      - ID of an uploaded CA certificate. Selects it without listing.
      - With O(state=present), a CA certificate with this ID must exist (use O(content) to upload).
      - Mutually exclusive with O(content).
    type: str
  content:
    description:
      - PEM of the CA certificate. Selects the uploaded CA certificate by content, and is uploaded when there is none.
      - Mutually exclusive with O(certificate_id).
    type: str
  app_id:
    description:
      - Resource space. Restricts the search by O(content) to this resource space, and is sent with the upload
        (without it, the platform uses the default resource space).
      - Not checked when the CA certificate is selected by O(certificate_id).
    type: str
  verified:
    description:
      - V(true) makes sure the proof of possession is done, with O(verification_certificate) or O(private_key).
        A CA certificate that is verified already is left alone.
      - V(false) on a verified CA certificate fails, because the IoTDA API cannot undo a verification (delete it and
        upload it again instead). On an unverified one it changes nothing.
      - Not set, the verification status is not managed.
    type: bool
  verification_certificate:
    description:
      - PEM of a verification certificate whose subject CN is the platform's C(verify_code) (RV(certificate.verify_code))
        and that is signed by the CA private key. For CA keys that cannot be on the controller (for example in an
        HSM), upload first, sign a certificate for the returned C(verify_code), then run again with it.
      - Mutually exclusive with O(private_key).
    type: str
  private_key:
    description:
      - PEM private key of the CA. The module checks locally that it belongs to the CA certificate, then builds the
        verification certificate for the platform's C(verify_code) itself, right after the upload, in the same run.
      - Never logged or returned. Use C(no_log=true) on the task.
      - Mutually exclusive with O(verification_certificate).
    type: str
  private_key_passphrase:
    description:
      - Passphrase of an encrypted O(private_key).
    type: str
  provision_enable:
    description:
      - Enable self-registration of devices whose certificates this CA issued. V(true) needs a verified CA certificate
        and a bound O(template_id).
      - Not set, it is not managed.
    type: bool
  template_id:
    description:
      - Provisioning template bound to the CA certificate. The empty string V('') unbinds it (sent as JSON C(null)).
      - Not set, it is not managed.
    type: str
  ocsp_enable:
    description:
      - Check the OCSP status of device certificates issued by this CA. V(true) needs a verified CA certificate.
    type: bool
  ocsp_ssl_enable:
    description:
      - The OCSP server uses HTTPS; needs O(ocsp_server_ca_id).
    type: bool
  ocsp_server_ca_id:
    description:
      - ID of another uploaded CA certificate that authenticates the HTTPS OCSP server. V('') unsets it (JSON C(null)).
    type: str
notes:
  - The update call (provisioning and OCSP settings) exists only on standard and enterprise instances, not on the
    basic edition. Runs that change none of these settings send no update call.
  - If the proof of possession fails after an upload, the module fails with the platform's error and returns the
    uploaded RV(certificate) and RV(ignore:changed=true); a second run finds it by O(content) and does not upload it
    again.
seealso:
  - module: iotpki.certificates.iotda_certificate_info
  - module: iotpki.certificates.iotda_device_certificate
"""

EXAMPLES = r"""
- name: Upload a CA certificate and prove possession of its private key
  iotpki.certificates.iotda_ca_certificate:
    content: "{{ lookup('ansible.builtin.file', 'pki/fleet-ca.pem') }}"
    private_key: "{{ fleet_ca_key }}"
    private_key_passphrase: "{{ fleet_ca_key_passphrase }}"
    verified: true
  no_log: true
  register: fleet_ca

- name: Let devices of this CA register themselves with a provisioning template
  iotpki.certificates.iotda_ca_certificate:
    certificate_id: "{{ fleet_ca.certificate.certificate_id }}"
    provision_enable: true
    template_id: fleet-template

- name: Upload into one resource space, without verifying
  iotpki.certificates.iotda_ca_certificate:
    content: "{{ lookup('ansible.builtin.file', 'pki/lab-ca.pem') }}"
    app_id: lab-space

- name: Verify with a certificate signed offline for the platform's verify_code
  iotpki.certificates.iotda_ca_certificate:
    certificate_id: 62b3cec5558d4b703f064534
    verified: true
    verification_certificate: "{{ lookup('ansible.builtin.file', 'pki/verification.pem') }}"

- name: Unbind the provisioning template
  iotpki.certificates.iotda_ca_certificate:
    certificate_id: 62b3cec5558d4b703f064534
    provision_enable: false
    template_id: ""

- name: Delete a CA certificate, found by its content
  iotpki.certificates.iotda_ca_certificate:
    content: "{{ lookup('ansible.builtin.file', 'pki/old-ca.pem') }}"
    state: absent

- name: Connection options for every IoTDA module of a play
  module_defaults:
    group/iotpki.certificates.iotda:
      endpoint: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com
      project_id: "{{ iotda_project_id }}"
      access_key: "{{ iotda_access_key }}"
      secret_key: "{{ iotda_secret_key }}"
  block:
    - name: Make sure the CA certificate is uploaded
      iotpki.certificates.iotda_ca_certificate:
        content: "{{ lookup('ansible.builtin.file', 'pki/fleet-ca.pem') }}"
"""

RETURN = r"""
certificate:
  description:
    - The CA certificate record (the same keys as RV(iotpki.certificates.iotda_certificate_info#module:certificates) for
      O(iotpki.certificates.iotda_certificate_info#module:kind=ca)), without its PEM C(content), as it is after the run.
      After a deletion, the deleted certificate; V({}) when there is none.
    - In check mode, the prediction; for an upload the values only the platform assigns are V(null).
  returned: success, and on a failure after an upload
  type: dict
  contains:
    certificate_id:
      description: Platform-assigned ID.
      type: str
      sample: 62b3cec5558d4b703f064534
    common_name:
      description: Subject CN of the CA certificate (the platform's C(cn_name)).
      type: str
      sample: Fleet Root CA
    owner:
      description: Owner of the CA certificate, as the platform reports it.
      type: str
      sample: Example Corp
    verified:
      description: V(true) once the proof of possession passed (the platform's C(status)).
      type: bool
      sample: true
    verify_code:
      description: The code a verification certificate's CN must carry.
      type: str
      sample: 2c8b5905-b34a-4b64-8112-f6c047ae065c
    provision_enable:
      description: Whether self-registration is enabled.
      type: bool
      sample: true
    template_id:
      description: Bound provisioning template, or V(null).
      type: str
      sample: fleet-template
    ocsp_enable:
      description: Whether device certificates are checked with OCSP; V(null) when the platform does not say.
      type: bool
      sample: false
    ocsp_ssl_enable:
      description: Whether the OCSP server uses HTTPS; V(null) when the platform does not say.
      type: bool
      sample: false
    ocsp_server_ca_id:
      description: CA certificate that authenticates the OCSP server, or V(null).
      type: str
      sample: null
    create_date:
      description: Upload time, ISO 8601 UTC.
      type: str
      sample: "2026-01-31T12:00:00Z"
    effective_date:
      description: notBefore of the certificate, ISO 8601 UTC.
      type: str
      sample: "2026-01-01T00:00:00Z"
    expiry_date:
      description: notAfter of the certificate, ISO 8601 UTC.
      type: str
      sample: "2036-01-01T00:00:00Z"
    expires_in_days:
      description: Whole days from now until RV(certificate.expiry_date), rounded down; negative once expired.
      type: int
      sample: 3621
  sample:
    certificate_id: 62b3cec5558d4b703f064534
    common_name: Fleet Root CA
    owner: Example Corp
    verified: true
    verify_code: 2c8b5905-b34a-4b64-8112-f6c047ae065c
    provision_enable: true
    template_id: fleet-template
    ocsp_enable: false
    ocsp_ssl_enable: false
    ocsp_server_ca_id: null
    create_date: "2026-01-31T12:00:00Z"
    effective_date: "2026-01-01T00:00:00Z"
    expiry_date: "2036-01-01T00:00:00Z"
    expires_in_days: 3621
diff:
  description:
    - The CA certificate record before and after the run (the keys of RV(certificate)); V({}) where there is none.
    - Identical in check mode and in the real run, except for the values only the platform assigns on upload.
  returned: success
  type: dict
  sample:
    before:
      certificate_id: 62b3cec5558d4b703f064534
      verified: true
      provision_enable: false
      template_id: null
    after:
      certificate_id: 62b3cec5558d4b703f064534
      verified: true
      provision_enable: true
      template_id: fleet-template
error:
  description: The API error, when a platform call failed.
  returned: failure
  type: dict
  sample:
    platform: IoTDA
    method: POST
    url: https://iotda.example/v5/iot/0123/certificates/62b3cec5558d4b703f064534/action?action_id=verify
    http_status: 400
    code: IOTDA.014307
    message: Operation not allowed. The certificates verify verifyCode failed
    request_id: 3f1c9a0e5b7d4e2a
    retryable: false
"""

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_plan as ca_plan
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule, compare

ARGUMENT_SPEC: t.Dict[str, t.Dict[str, t.Any]] = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    certificate_id=dict(type="str"),
    content=dict(type="str"),
    app_id=dict(type="str"),
    verified=dict(type="bool"),
    verification_certificate=dict(type="str"),
    private_key=dict(type="str", no_log=True),
    private_key_passphrase=dict(type="str", no_log=True),
    provision_enable=dict(type="bool"),
    template_id=dict(type="str"),
    ocsp_enable=dict(type="bool"),
    ocsp_ssl_enable=dict(type="bool"),
    ocsp_server_ca_id=dict(type="str"),
)


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    """Decide from the current record and the options, then act unless in check mode."""
    wanted = ca_plan.Wanted(module.params, module.warn)
    current = ca_plan.find(module, wanted)
    plan = ca_plan.make_plan(current, wanted)
    before, after = (plan.before, plan.after) if module.check_mode else ca_plan.carry_out(module, plan, wanted, current)
    changed, diff = compare(before, after)
    return dict(changed=changed, certificate=after if wanted.state == "present" else before, diff=diff)


def main() -> None:
    module = IotpkiModule(
        "iotda",
        ARGUMENT_SPEC,
        mutually_exclusive=[("certificate_id", "content"), ("verification_certificate", "private_key")],
        required_one_of=[("certificate_id", "content")],
        required_if=[("verified", True, ("verification_certificate", "private_key"), True)],
        required_by={"private_key_passphrase": "private_key"},
    )
    if module.params["content"] or module.params["private_key"] or module.params["verification_certificate"]:
        module.require_cryptography()
    module.run(ensure)


if __name__ == "__main__":
    main()

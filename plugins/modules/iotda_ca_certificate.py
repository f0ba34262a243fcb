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
        only the platform assigns on upload (C(certificate_id), C(verify_code), C(create_date), C(owner), C(name)) are
        V(null) in the prediction.
  diff_mode:
    support: full
    details:
      - Before and after of a normalised view (ID, CN, owner, verification status, provisioning, template, OCSP
        settings, validity in ISO 8601 UTC, SHA-256 fingerprint); never key material or PEM bodies.
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
    - The CA certificate as the platform shows it, without its PEM C(content). After a deletion, the deleted
      certificate; V({}) when there is none.
    - In check mode, the prediction; for an upload the values only the platform assigns are V(null).
  returned: success, and on a failure after an upload
  type: dict
  contains:
    certificate_id:
      description: Platform-assigned ID.
      type: str
      sample: 62b3cec5558d4b703f064534
    cn_name:
      description: Subject CN of the CA certificate.
      type: str
      sample: Fleet Root CA
    owner:
      description: Owner of the CA certificate, as the platform reports it.
      type: str
      sample: Example Corp
    status:
      description: Verification status; V(true) once the proof of possession passed.
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
      description: Whether device certificates are checked with OCSP.
      type: bool
      sample: false
    ocsp_ssl_enable:
      description: Whether the OCSP server uses HTTPS.
      type: bool
      sample: false
    ocsp_server_ca_id:
      description: CA certificate that authenticates the OCSP server, or V(null).
      type: str
      sample: null
    create_date:
      description: Upload time, C(yyyyMMddTHHmmssZ) UTC.
      type: str
      sample: 20260131T120000Z
    effective_date:
      description: notBefore of the certificate, C(yyyyMMddTHHmmssZ) UTC.
      type: str
      sample: 20260101T000000Z
    expiry_date:
      description: notAfter of the certificate, C(yyyyMMddTHHmmssZ) UTC.
      type: str
      sample: 20360101T000000Z
    name:
      description: Certificate name; only when the module read the certificate with the show call.
      type: str
      sample: Fleet Root CA
  sample:
    certificate_id: 62b3cec5558d4b703f064534
    cn_name: Fleet Root CA
    owner: Example Corp
    status: true
    verify_code: 2c8b5905-b34a-4b64-8112-f6c047ae065c
    provision_enable: true
    template_id: fleet-template
    ocsp_enable: false
    ocsp_ssl_enable: false
    ocsp_server_ca_id: null
    create_date: 20260131T120000Z
    effective_date: 20260101T000000Z
    expiry_date: 20360101T000000Z
    name: Fleet Root CA
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

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca as ca
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import path_param
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import is_not_found
from ansible_collections.iotpki.certificates.plugins.module_utils._module import ModuleFailure, new_module, run

ARGUMENT_SPEC = dict(
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


class Local:
    """What the options say, read and checked before any request."""

    def __init__(self, module: t.Any) -> None:
        p = module.params
        self.ca = self.key = None
        if not (p["content"] or p["private_key"] or p["verification_certificate"]):
            return
        from ansible_collections.iotpki.certificates.plugins.module_utils import _x509

        if not _x509.HAS_CRYPTOGRAPHY:
            module.fail_json(msg=missing_required_lib("cryptography"))
        self.x509 = _x509
        if p["content"]:
            self.ca = _x509.load_certificate(p["content"], "content")
        if p["state"] == "absent" or not p["verified"]:
            if p["private_key"] or p["verification_certificate"]:
                module.warn("private_key and verification_certificate are only used with state=present and verified=true")
            return
        if p["verification_certificate"]:
            _x509.load_certificate(p["verification_certificate"], "verification_certificate")
        if p["private_key"]:
            self.key = _x509.load_private_key(p["private_key"], p["private_key_passphrase"])
            if self.ca:
                self.ca_of(p["content"])

    def ca_of(self, pem: t.Optional[str]) -> t.Any:
        """The CA certificate the private key must belong to (given as content, or shown by the platform)."""
        if self.ca is None:
            if not pem:
                raise InputError("the platform returned no PEM for this CA certificate: give content to verify it with private_key")
            self.ca = self.x509.load_certificate(pem, "the CA certificate shown by the platform")
        if not self.x509.public_keys_match(self.key, self.ca):
            raise InputError("private_key does not belong to the CA certificate %s: the public keys differ" % (self.ca.subject or ""))
        return self.ca


def find(client: t.Any, module: t.Any, local: Local) -> t.Optional[t.Dict[str, t.Any]]:
    """The uploaded CA certificate as the show call returns it (PEM included), or None."""
    p = module.params
    if p["certificate_id"]:
        try:
            return ca.show(client, p["certificate_id"], missing_ok=p["state"] == "absent")
        except ApiError as error:
            if not is_not_found(error):
                raise
            raise failure(error, "no CA certificate with certificate_id %s (to upload one, give content instead of certificate_id)" % p["certificate_id"])
    info = local.ca
    return ca.find_by_content(client, info.der, info.common_name, info.not_before, info.not_after, p["app_id"], module.warn)


def failure(error: ApiError, context: str, **result: t.Any) -> ModuleFailure:
    """A platform error, with what it means for the CA certificate in front of it."""
    result["error"] = error.to_dict()  # the platform's error fields, under a message that says what it means here
    return ModuleFailure(InputError("%s: %s" % (context, error)), **result)


def absent(module: t.Any, client: t.Any, current: t.Optional[t.Dict[str, t.Any]]) -> t.Dict[str, t.Any]:
    before = ca.view(current, ca.fingerprint((current or {}).get("content")))
    if not current:
        return dict(changed=False, certificate={}, diff=dict(before={}, after={}))
    if not module.check_mode:
        try:
            client.request("DELETE", "/certificates/%s" % path_param(current["certificate_id"]))
        except ApiError as error:
            if not is_not_found(error):
                raise
            return dict(changed=False, certificate={}, diff=dict(before={}, after={}))
    return dict(changed=True, certificate=ca.public(current), diff=dict(before=before, after={}))


def check_wanted(module: t.Any, target: t.Dict[str, t.Any], verifies: bool) -> None:
    """Refuse, before any write, what the platform cannot do."""
    p = module.params
    if p["verified"] is False and target.get("status"):
        raise InputError(
            "CA certificate %s is verified and the IoTDA API cannot undo a verification: "
            "remove verified=false, or delete the CA certificate (state=absent) and upload it again" % target.get("certificate_id")
        )
    for name in ("provision_enable", "ocsp_enable"):
        if p[name] and not target.get(name) and not (target.get("status") or verifies):
            raise InputError("%s=true needs a verified CA certificate: set verified=true with private_key or verification_certificate" % name)
    if p["provision_enable"] and not target.get("provision_enable"):
        if not (p["template_id"] if p["template_id"] is not None else target.get("template_id")):
            raise InputError("provision_enable=true needs a provisioning template: set template_id")
    if p["ocsp_ssl_enable"] and not target.get("ocsp_ssl_enable"):
        if not (p["ocsp_server_ca_id"] if p["ocsp_server_ca_id"] is not None else target.get("ocsp_server_ca_id")):
            raise InputError("ocsp_ssl_enable=true needs the CA certificate of the OCSP server: set ocsp_server_ca_id")


def upload(client: t.Any, module: t.Any) -> t.Dict[str, t.Any]:
    body = {"content": module.params["content"], "app_id": module.params["app_id"]}
    return client.request("POST", "/certificates", body={k: v for k, v in body.items() if v}) or {}


def verify(client: t.Any, module: t.Any, local: Local, pem: t.Optional[str], target: t.Dict[str, t.Any], uploaded: bool) -> None:
    """Proof of possession: the given verification certificate, or one signed now with the CA key."""
    if local.key is not None:
        proof = local.x509.verification_certificate(local.ca_of(pem), local.key, target.get("verify_code") or "")
    else:
        proof = module.params["verification_certificate"]
    try:
        path = "/certificates/%s/action" % path_param(target["certificate_id"])
        client.request("POST", path, query=[("action_id", "verify")], body={"verify_content": proof})
    except ApiError as error:
        context = "CA certificate %s %s, but its verification failed (a new run with the right %s verifies it%s)" % (
            target["certificate_id"],
            "was uploaded" if uploaded else "exists",
            "private_key" if local.key is not None else "verification_certificate",
            " without uploading it again" if uploaded else "",
        )
        raise failure(error, context, changed=uploaded, certificate=ca.public(target))


def present(module: t.Any, client: t.Any, local: Local, current: t.Optional[t.Dict[str, t.Any]]) -> t.Dict[str, t.Any]:
    """Upload, verify, update: each only when needed, in this order, none in check mode."""
    p = module.params
    pem = p["content"] or (current or {}).get("content")
    target = dict(current) if current else ca.predicted_upload(local.ca.common_name, local.ca.not_before, local.ca.not_after)
    uploads = current is None
    verifies = bool(p["verified"]) and not target.get("status")
    check_wanted(module, target, verifies)
    if local.key is not None:
        local.ca_of(pem)  # the key must belong to the CA, also when selected by certificate_id
    if uploads and not module.check_mode:
        target = upload(client, module)
    if verifies and not module.check_mode:
        verify(client, module, local, pem, target, uploads)
    target["status"] = target.get("status") or verifies
    update = ca.update_body(target, p)
    if update and not module.check_mode:
        try:
            target.update(client.request("PUT", "/certificates/%s" % path_param(target["certificate_id"]), body=update) or {})
        except ApiError as error:
            raise failure(error, "update of CA certificate %s failed" % target["certificate_id"], changed=uploads or verifies, certificate=ca.public(target))
    elif update:
        target.update(update)
    sha256 = ca.fingerprint(pem)
    return dict(
        changed=uploads or verifies or bool(update),
        certificate=ca.public(target),
        diff=dict(before=ca.view(current, sha256), after=ca.view(target, sha256)),
    )


def story(module: t.Any, client: t.Any) -> t.Dict[str, t.Any]:
    local = Local(module)
    current = find(client, module, local)
    if module.params["state"] == "absent":
        return absent(module, client, current)
    return present(module, client, local, current)


def main() -> None:
    module = new_module(
        "iotda",
        ARGUMENT_SPEC,
        mutually_exclusive=[("certificate_id", "content"), ("verification_certificate", "private_key")],
        required_one_of=[("certificate_id", "content")],
        required_if=[("verified", True, ("verification_certificate", "private_key"), True)],
        required_by={"private_key_passphrase": "private_key"},
    )
    run(module, "iotda", story)


if __name__ == "__main__":
    main()

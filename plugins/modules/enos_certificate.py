#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: enos_certificate
short_description: Issue a certificate to an Envision EnOS device from a CSR, and renew it before it expires
version_added: 0.2.0
description:
  - Makes sure a valid certificate, issued by the EnOS CA, is bound to a device.
  - The module lists the device's certificates first. Without a valid one it applies for a certificate from the
    certificate signing request O(csr) (one C(action=apply) request). With a valid one that expires within
    O(remaining_days) days, or with O(force), it renews it (one C(action=renew) request); the platform issues a new
    serial number and supersedes the old certificate. Otherwise nothing is sent.
  - Apply and renew are not idempotent on the platform (each issues a new serial). The module sends each at most once
    per run and never repeats one that may have reached the platform (a lost answer, a timeout, HTTP 5xx). A run whose
    answer was lost fails and says so; the next run lists the device, finds the new certificate, and does not apply
    again.
  - Input is checked before any request. The CSR must be a PEM certificate signing request with a valid signature,
    whose key fits O(issue_authority) (RSA 2048 bits for V(rsa), P-256 for V(ecc)) and which is signed with SHA-256.
author:
  - iotpki.certificates developers (@iotpki)
requirements:
  - requests
  - cryptography (only when O(csr) is given)
options:
  state:
    description:
      - V(present) means that a valid certificate is bound to the device.
    type: str
    choices: [present]
    default: present
  csr:
    description:
      - The certificate signing request, in PEM format (C(-----BEGIN CERTIFICATE REQUEST-----); the C(NEW CERTIFICATE
        REQUEST) header is accepted too).
      - Required to apply. Optional to renew; without it the platform builds the new certificate from the old one's
        request, with the same key.
      - The EnOS CA copies the subject from the CSR. The platform requires C, ST, L, O, OU and CN, and refuses the CN of
        a valid certificate of another device.
      - The private key never leaves the host that made the CSR; community.crypto's C(openssl_privatekey) and
        C(openssl_csr_pipe) make both (see the examples).
    type: str
  valid_days:
    description:
      - Validity of the new certificate in days (C(validDay)). Not given, the platform's default applies (730 days on
        most deployments). Must be greater than 0; the platform refuses more than the product allows.
    type: int
  issue_authority:
    description:
      - The EnOS CA that signs the certificate, by its key type. V(rsa) needs a 2048-bit RSA key in the CSR, V(ecc) a
        P-256 (prime256v1) key.
      - Renewing without O(csr) reuses the old certificate's key, so O(issue_authority) must then be the old
        certificate's.
    type: str
    choices: [rsa, ecc]
    default: rsa
  remaining_days:
    description:
      - Renew the valid certificate when it expires in fewer than this many days (as community.crypto's
        C(acme_certificate)).
    type: int
    default: 30
  force:
    description:
      - Renew the valid certificate now, however long it is still valid. Every run with O(force=true) renews, so use it
        for a one-off task, not in a playbook run on a schedule.
    type: bool
    default: false
extends_documentation_fragment:
  - iotpki.certificates.enos
  - iotpki.certificates.enos.device
  - iotpki.certificates.attributes
  - iotpki.certificates.attributes.enos_group
attributes:
  check_mode:
    support: full
    details:
      - Lists the device's certificates (a read) and returns the predicted RV(certificate) and RV(diff) without sending
        the apply or renew request. The prediction has no PEM, and the values only the platform assigns (C(cert_sn),
        C(subject), C(issuer), the dates without O(valid_days)) are V(null).
  diff_mode:
    support: full
    details:
      - The diff shows the valid certificate before (empty when there was none) and the one after, as records without
        PEM. The diff is returned also without C(--diff).
  idempotent:
    support: full
    details:
      - A valid certificate with at least O(remaining_days) days left is left alone (one token and one list request).
        O(force=true) renews on every run.
notes:
  - The certificate PEM and the CA PEM are returned only by the run that issued them; EnOS cannot give them again.
    Save them (for example with C(ansible.builtin.copy)) in the same play.
seealso:
  - module: iotpki.certificates.enos_certificate_info
  - module: iotpki.certificates.enos_certificate_revoke
"""

EXAMPLES = r"""
- name: Make a key and a CSR for the device (community.crypto, on the host that keeps the key)
  community.crypto.openssl_privatekey:
    path: /etc/pki/meter-0042.key
    type: RSA
    size: 2048

- name: Build the certificate signing request
  community.crypto.openssl_csr_pipe:
    privatekey_path: /etc/pki/meter-0042.key
    common_name: meter-0042
    country_name: CN
    state_or_province_name: Shanghai
    locality_name: Shanghai
    organization_name: EnOS
    organizational_unit_name: EnOS
  register: meter_csr

- name: Issue a certificate to the device, or renew it when it expires within 30 days
  iotpki.certificates.enos_certificate:
    asset_id: Xk3mDq9v
    csr: "{{ meter_csr.csr }}"
    valid_days: 365
  register: meter_certificate

- name: Keep the certificate and the CA chain issued in this run
  ansible.builtin.copy:
    content: "{{ meter_certificate.certificate_pem }}{{ meter_certificate.ca_certificate_pem }}"
    dest: /etc/pki/meter-0042.pem
    mode: "0644"
  when: meter_certificate.certificate_pem is defined

- name: Renew now, reusing the old request and key (ECC certificate)
  iotpki.certificates.enos_certificate:
    product_key: pk7Jd0cQ
    device_key: meter-0042
    issue_authority: ecc
    force: true
"""

RETURN = r"""
certificate:
  description:
    - The valid certificate of the device after the run, as EnOS lists it (predicted in check mode).
    - Issued in this run, it carries C(certificate_pem) too.
  returned: success
  type: dict
  contains:
    cert_sn:
      description: Serial number (C(certSN), the decimal X.509 serial number). V(null) in check mode for a new certificate.
      type: int
    status:
      description: V(valid), V(revoked) or V(expired).
      type: str
    subject:
      description: Subject distinguished name as the platform writes it.
      type: str
    issuer:
      description: Issuer distinguished name as the platform writes it.
      type: str
    sign_date:
      description: When the certificate was issued, ISO 8601 UTC.
      type: str
    effective_date:
      description: Start of validity, ISO 8601 UTC.
      type: str
    expire_date:
      description: End of validity, ISO 8601 UTC.
      type: str
    revoker:
      description: Who revoked the certificate; V(null) unless revoked.
      type: str
    revoke_reason:
      description: Why the certificate was revoked; V(null) unless revoked.
      type: str
    issue_authority:
      description: V(rsa) or V(ecc).
      type: str
    expires_in_days:
      description: Whole days until RV(certificate.expire_date), computed on the Ansible host.
      type: int
    certificate_pem:
      description: The certificate (PEM), when it was issued in this run.
      type: str
  sample:
    cert_sn: 32721
    status: valid
    subject: "EMAILADDRESS=ops@example.com, OU=EnOS, CN=meter-0042, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
    issuer: "EMAILADDRESS=ca@eniot.io, CN=EnOS CA, OU=EnOS CA, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
    sign_date: "2027-01-31T12:00:00Z"
    effective_date: "2027-01-31T12:00:00Z"
    expire_date: "2028-01-31T12:00:00Z"
    revoker: null
    revoke_reason: null
    issue_authority: rsa
    expires_in_days: 364
certificate_pem:
  description: The certificate issued in this run (PEM).
  returned: when a certificate was issued (not in check mode)
  type: str
ca_certificate_pem:
  description: The PEM of the EnOS CA that issued RV(certificate_pem) (C(caCert)).
  returned: when a certificate was issued (not in check mode)
  type: str
cert_chain_url:
  description: Where the platform publishes the CA chain (C(certChainURL)).
  returned: when a certificate was issued (not in check mode)
  type: str
  sample: https://portal.example.com/enos/CA/cacert/RSA
previous:
  description:
    - The certificate that was renewed, as EnOS lists it after the renewal (superseded); V(null) when nothing was
      renewed. In check mode, the certificate that would be renewed.
  returned: success
  type: dict
diff:
  description: The valid certificate before (empty when there was none) and after, without PEM.
  returned: success
  type: dict
error:
  description: The API error of a failed request (see the collection's error shape).
  returned: failure
  type: dict
"""

import datetime
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import describe_device
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule, compare
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import days_until, iso_utc

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:  # pragma: no cover - reported with missing_required_lib
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

AUTHORITY_KEYS = {"rsa": "a 2048-bit RSA key", "ecc": "a P-256 (prime256v1) EC key"}


def check_csr(text: str, authority: str) -> str:
    """The CSR as given, once it is readable, self-signed with SHA-256 and its key fits ``authority``."""
    pem = text.strip()
    readable = pem.replace("NEW CERTIFICATE REQUEST-----", "CERTIFICATE REQUEST-----")
    if "-----BEGIN CERTIFICATE REQUEST-----" not in readable:
        raise InputError("csr is not a PEM certificate signing request (no '-----BEGIN CERTIFICATE REQUEST-----' block)")
    try:
        request = x509.load_pem_x509_csr(readable.encode("utf-8"))
        key = request.public_key()
        signature_ok = request.is_signature_valid
        algorithm = request.signature_hash_algorithm
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise InputError("csr is not a readable certificate signing request: %s" % (str(error).splitlines() or ["parse error"])[0]) from None
    if authority == "rsa":
        fits = isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    else:
        fits = isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    if not fits:
        raise InputError(
            "csr has %s, but issue_authority=%s needs %s: make the key and CSR again, or set issue_authority to %s"
            % (describe_key(key), authority, AUTHORITY_KEYS[authority], "ecc" if authority == "rsa" else "rsa")
        )
    if not isinstance(algorithm, hashes.SHA256):
        raise InputError("csr is signed with %s; EnOS needs a SHA-256 signature" % (algorithm.name if algorithm else "no hash"))
    if not signature_ok:
        raise InputError("csr signature is not valid (the request was altered after it was signed)")
    return pem


def describe_key(key: t.Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "a %d-bit RSA key" % key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "an EC key on curve %s" % key.curve.name
    return "a %s key" % type(key).__name__.replace("PublicKey", "").lstrip("_") or "an unsupported"


def newest_valid(certificates: t.Sequence[t.Mapping[str, t.Any]]) -> t.Optional[t.Dict[str, t.Any]]:
    """The valid certificate that expires last (EnOS binds one; if it lists several, the longest-lived counts)."""
    valid = [dict(item) for item in certificates if item.get("status") == "valid"]
    return max(valid, key=lambda item: item.get("expire_date") or "") if valid else None


def predicted(authority: str, valid_days: t.Optional[int], renewed: t.Optional[t.Mapping[str, t.Any]], csr: t.Optional[str]) -> t.Dict[str, t.Any]:
    """The check-mode record of the certificate apply/renew would issue (platform-assigned values null)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    expire = now + datetime.timedelta(days=valid_days) if valid_days else None
    return {
        "cert_sn": None,
        "status": "valid",
        "subject": renewed.get("subject") if renewed is not None and csr is None else None,
        "issuer": None,
        "sign_date": None,
        "effective_date": None,
        "expire_date": iso_utc(expire),
        "revoker": None,
        "revoke_reason": None,
        "issue_authority": authority,
        "expires_in_days": days_until(expire, now) if expire else None,
    }


def may_have_reached(error: ApiError) -> bool:
    """No answer (timeout, dropped connection) or a server error: the platform may have issued the certificate."""
    return error.http_status is None or error.http_status >= 500


def fail_lost_answer(module: IotpkiModule, device: t.Sequence[t.Tuple[str, str]], action: str, known: t.Set[t.Any], error: ApiError) -> t.NoReturn:
    """The failure of an apply/renew whose answer was lost, with what a second listing shows."""
    try:
        issued = [item for item in enos.list_certificates(module.client, device) if item.get("status") == "valid" and item.get("cert_sn") not in known]
    except ApiError:
        issued = []
    where = "EnOS device %s" % describe_device(device)
    if issued:
        found = issued[-1]
        state = "the platform did issue certificate %s (valid until %s)" % (found["cert_sn"], found["expire_date"])
        advice = ("A re-run finds it and does not %s again, but EnOS cannot return its PEM: if the device needs it, revoke "
                  "certificate %s with enos_certificate_revoke and run again" % (action, found["cert_sn"]))
    else:
        found = None
        state = "the device lists no new certificate yet"
        advice = "Run the task again: it lists the device first and applies only if there is still no valid certificate"
    message = "%s for %s may have reached the platform, but its answer was lost (%s); it is never sent twice. %s. %s." % (
        action, where, error, state[0].upper() + state[1:], advice)
    module.fail_json(msg=message, error=error.to_dict(), certificate=found)


def ensure(module: IotpkiModule) -> t.Dict[str, t.Any]:
    params = module.params
    device = enos.device_selection(params)
    authority = params["issue_authority"]
    valid_days = params["valid_days"]
    if valid_days is not None and valid_days <= 0:
        raise InputError("valid_days must be greater than 0, got %d (leave it unset for the platform's default)" % valid_days)
    if params["remaining_days"] < 0:
        raise InputError("remaining_days must be 0 or greater, got %d" % params["remaining_days"])
    csr = check_csr(params["csr"], authority) if params["csr"] else None

    client = module.client
    certificates = enos.list_certificates(client, device)
    current = newest_valid(certificates)
    if current is None:
        if csr is None:
            raise InputError("EnOS device %s has no valid certificate: give csr to apply for one" % describe_device(device))
        action = "apply"
    elif params["force"] or (current["expires_in_days"] is not None and current["expires_in_days"] < params["remaining_days"]):
        action = "renew"
        old_authority = (current.get("issue_authority") or "").lower()
        if csr is None and old_authority and old_authority != authority:
            raise InputError(
                "certificate %s of EnOS device %s was issued by the %s CA; renewing without csr reuses its key, so set "
                "issue_authority=%s, or give a csr with %s"
                % (current["cert_sn"], describe_device(device), old_authority.upper(), old_authority, AUTHORITY_KEYS[authority])
            )
    else:
        return {"changed": False, "certificate": current, "previous": None, "diff": compare(current, current)[1]}

    before = current or {}
    if module.check_mode:
        after = predicted(authority, valid_days, current, csr)
        return {"changed": True, "certificate": after, "previous": current, "diff": compare(before, after)[1]}

    known = {item.get("cert_sn") for item in certificates}
    try:
        answer = enos.issue(client, device, authority, cert_sn=current["cert_sn"] if action == "renew" else None, csr=csr, valid_days=valid_days)
    except ApiError as error:
        if may_have_reached(error):
            fail_lost_answer(module, device, action, known, error)
        raise
    cert_sn = enos.serial(answer.get("certSN", answer.get("certSn")))
    listed = enos.list_certificates(client, device)
    after = enos.find(listed, cert_sn) if cert_sn is not None else newest_valid(listed)
    if after is None:
        module.warn("EnOS answered the %s for %s with serial %s, but does not list it" % (action, describe_device(device), cert_sn))
        after = dict(predicted(authority, valid_days, current, csr), cert_sn=cert_sn)
    previous = enos.find(listed, current["cert_sn"]) if current is not None else None
    result = {"changed": True, "previous": previous, "diff": compare(before, after)[1]}
    pem = enos.enos_certificate_record(answer, pem=True).get("certificate_pem")
    result["certificate"] = dict(after, certificate_pem=pem)
    result["certificate_pem"] = pem
    result["ca_certificate_pem"] = answer.get("caCert")
    result["cert_chain_url"] = answer.get("certChainURL")
    return result


def main() -> None:
    argument_spec = enos.device_argument_spec(
        state=dict(type="str", default="present", choices=["present"]),
        csr=dict(type="str"),
        valid_days=dict(type="int"),
        issue_authority=dict(type="str", default="rsa", choices=["rsa", "ecc"]),
        remaining_days=dict(type="int", default=30),
        force=dict(type="bool", default=False),
    )
    module = IotpkiModule("enos", argument_spec)
    if module.params["csr"]:
        module.require_cryptography()
    module.run(ensure)


if __name__ == "__main__":
    main()

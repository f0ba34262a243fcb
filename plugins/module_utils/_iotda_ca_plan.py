# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What ``iotda_ca_certificate`` decides, then does: read the options (``Wanted``), find the CA
certificate, make a ``Plan`` from the current record and the options (upload? verify? which
settings to PUT?, and the record predicted after them), then carry it out unless in check mode.

Everything the platform would refuse is refused while planning, before any write, so that check
mode predicts what the real run does.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_certificates as ca_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import days_until, iso_utc

# Settings the update call (PUT) changes; '' of the two ID fields means "unset" (JSON null).
UPDATABLE = ("provision_enable", "template_id", "ocsp_enable", "ocsp_ssl_enable", "ocsp_server_ca_id")
_CLEARABLE = ("template_id", "ocsp_server_ca_id")
RERUN_IS_SAFE = "running the task again is safe: it finds an uploaded copy by its content and does not upload it twice"


class Wanted:
    """The options, read and checked before any request (PEMs parsed, the key matched to the CA)."""

    def __init__(self, params: t.Mapping[str, t.Any], warn: t.Callable[[str], None]) -> None:
        self.params = params
        self.state: str = params["state"]
        self.settings = {name: params[name] for name in UPDATABLE if params.get(name) is not None}
        self.ca: t.Any = None
        self.key: t.Any = None
        self.proof: t.Any = None  # the given verification certificate, parsed
        if not (params["content"] or params["private_key"] or params["verification_certificate"]):
            self._check_settings()
            return
        from ansible_collections.iotpki.certificates.plugins.module_utils import _x509  # cryptography: only here

        self.x509 = _x509
        if params["content"]:
            self.ca = _x509.load_certificate(params["content"], "content")
        if self.state == "absent" or not params["verified"]:
            if params["private_key"] or params["verification_certificate"]:
                warn("private_key and verification_certificate are only used with state=present and verified=true")
        else:
            if params["verification_certificate"]:
                self.proof = _x509.load_certificate(params["verification_certificate"], "verification_certificate")
            if params["private_key"]:
                self.key = _x509.load_private_key(params["private_key"], params["private_key_passphrase"])
                if self.ca:
                    self.ca_of(params["content"])
        self._check_settings()

    def _check_settings(self) -> None:
        if self.settings.get("template_id") == "" and self.settings.get("provision_enable"):
            raise InputError(
                "template_id '' unbinds the provisioning template, but provision_enable=true needs one: "
                "set provision_enable=false together with template_id ''"
            )

    def ca_of(self, pem: t.Optional[str]) -> t.Any:
        """The CA certificate the private key must belong to (given as content, or shown by the platform)."""
        if self.ca is None:
            if not pem:
                raise InputError("the platform returned no PEM for this CA certificate: give content to verify it with private_key")
            self.ca = self.x509.load_certificate(pem, "the CA certificate shown by the platform")
        if not self.x509.public_keys_match(self.key, self.ca):
            raise InputError("private_key does not belong to the CA certificate %s: the public keys differ" % (self.ca.subject or ""))
        return self.ca

    def proof_for(self, record: t.Mapping[str, t.Any], pem: t.Optional[str]) -> str:
        """The verification certificate for the CA's ``verify_code``: the given one (its CN checked here), or one signed now."""
        verify_code = record.get("verify_code") or ""
        if self.key is not None:
            return self.x509.verification_certificate(self.ca_of(pem), self.key, verify_code)
        if self.proof.common_name != verify_code:
            raise InputError(
                "verification_certificate has CN %r, but the platform's verify_code of CA certificate %s is %r: "
                "sign a verification certificate with CN %s with the CA key and give it as verification_certificate, "
                "or give private_key instead" % (self.proof.common_name, record.get("certificate_id"), verify_code, verify_code)
            )
        return self.params["verification_certificate"]


class Plan(t.NamedTuple):
    """What the run does, and the record it expects afterwards."""

    before: t.Dict[str, t.Any]
    after: t.Dict[str, t.Any]
    upload: bool
    verify: bool
    update: t.Dict[str, t.Any]


def find(module: t.Any, wanted: Wanted) -> t.Optional[t.Dict[str, t.Any]]:
    """The uploaded CA certificate's record with its ``content``, or None. Never decided on an incomplete listing."""
    params = wanted.params
    if params["certificate_id"]:
        missing = None
        if wanted.state == "present":
            missing = "no CA certificate with certificate_id %s (to upload one, give content instead of certificate_id): {error}" % params["certificate_id"]
        return ca_certificates.get(module.client, params["certificate_id"], missing)
    info = wanted.ca
    try:
        return ca_certificates.find_by_content(
            module.client, info.der, info.common_name, iso_utc(info.not_before), iso_utc(info.not_after), params["app_id"], module.warn
        )
    except IncompleteListing as error:
        module.fail_from(error, msg="could not list all CA certificates to check for an existing copy")


def predicted_upload(wanted: Wanted) -> t.Dict[str, t.Any]:
    """The record an upload returns, as far as it is known without sending it (platform-assigned values null)."""
    record = ca_certificates.ca_record({"cn_name": wanted.ca.common_name, "status": False, "provision_enable": False,
                                        "ocsp_enable": False, "ocsp_ssl_enable": False})
    record.update(effective_date=iso_utc(wanted.ca.not_before), expiry_date=iso_utc(wanted.ca.not_after),
                  expires_in_days=days_until(wanted.ca.not_after))
    return record


def update_body(current: t.Mapping[str, t.Any], settings: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The PUT body: only the wanted settings that differ ('' of an ID field = unset = JSON null)."""
    body: t.Dict[str, t.Any] = {}
    for name, value in settings.items():
        if name in _CLEARABLE:
            value = value or None
            if current.get(name) != value:
                body[name] = value
        elif bool(current.get(name)) != value:
            body[name] = value
    return body


def make_plan(current: t.Optional[t.Mapping[str, t.Any]], wanted: Wanted) -> Plan:
    """Decide from the current record and the options; InputError for what the platform would refuse."""
    before = {k: v for k, v in (current or {}).items() if k != ca_certificates.CONTENT_KEY}
    if wanted.state == "absent":
        return Plan(before, {}, False, False, {})
    target = dict(before) if current else predicted_upload(wanted)
    verify = bool(wanted.params["verified"]) and not target["verified"]
    _refuse(target, wanted, verify)
    if wanted.key is not None:
        wanted.ca_of(wanted.params["content"] or (current or {}).get("content"))  # the key must belong to the CA, also by certificate_id
    if verify and current and wanted.proof is not None:
        wanted.proof_for(target, None)  # its CN must be the verify_code: checked before any write
    update = update_body(target, wanted.settings)
    after = dict(target, verified=bool(target["verified"]) or verify)
    after.update(update)
    return Plan(before, after, current is None, verify, update)


def _refuse(target: t.Mapping[str, t.Any], wanted: Wanted, verify: bool) -> None:
    """What the platform cannot do, refused before any write (check mode predicts the real run)."""
    params = wanted.params
    verified = bool(target["verified"])
    if params["verified"] is False and verified:
        raise InputError(
            "CA certificate %s is verified and the IoTDA API cannot undo a verification: "
            "remove verified=false, or delete the CA certificate (state=absent) and upload it again" % target["certificate_id"]
        )
    for name in ("provision_enable", "ocsp_enable"):
        if params[name] and not target[name] and not (verified or verify):
            raise InputError("%s=true needs a verified CA certificate: set verified=true with private_key or verification_certificate" % name)
    provision = params["provision_enable"] if params["provision_enable"] is not None else target["provision_enable"]
    template = params["template_id"] if params["template_id"] is not None else target["template_id"]
    if provision and not template:
        if params["template_id"] == "":
            raise InputError(
                "template_id '' unbinds the provisioning template, but provision_enable stays true on CA certificate %s and needs one: "
                "set provision_enable=false together with template_id ''" % target["certificate_id"]
            )
        if params["provision_enable"] and not target["provision_enable"]:
            raise InputError("provision_enable=true needs a provisioning template: set template_id")
    if params["ocsp_ssl_enable"] and not target["ocsp_ssl_enable"]:
        if not (params["ocsp_server_ca_id"] if params["ocsp_server_ca_id"] is not None else target["ocsp_server_ca_id"]):
            raise InputError("ocsp_ssl_enable=true needs the CA certificate of the OCSP server: set ocsp_server_ca_id")


def carry_out(module: t.Any, plan: Plan, wanted: Wanted, current: t.Optional[t.Mapping[str, t.Any]]) -> t.Tuple[t.Dict[str, t.Any], t.Dict[str, t.Any]]:
    """Upload, verify, update (each only when planned, in this order) or delete; the records before and after them.

    A failure after a write fails the module with what was done (``changed``, ``certificate``).
    """
    client = module.client
    if wanted.state == "absent":
        if plan.before and not ca_certificates.delete(client, plan.before["certificate_id"]):
            return {}, {}  # another run deleted it first
        return plan.before, plan.after
    record = dict(plan.before)
    if plan.upload:
        try:
            record = ca_certificates.upload(client, wanted.params["content"], wanted.params["app_id"])
        except ApiError as error:
            module.fail_from(error, msg="upload of the CA certificate %s failed; %s" % (wanted.ca.subject, RERUN_IS_SAFE))
        warn_twins(module, record, wanted)
    if plan.verify:
        pem = wanted.params["content"] or (current or {}).get("content")
        context = "CA certificate %s %s, but its verification failed (a new run with the right %s verifies it%s)" % (
            record["certificate_id"], "was uploaded" if plan.upload else "exists",
            "private_key" if wanted.key is not None else "verification_certificate", " without uploading it again" if plan.upload else "",
        )
        try:
            ca_certificates.verify(client, record["certificate_id"], wanted.proof_for(record, pem))
        except (ApiError, InputError) as error:
            module.fail_from(error, msg=context, changed=plan.upload, certificate=record)
        record["verified"] = True
    update = update_body(record, wanted.settings)
    if update:
        try:
            answer = ca_certificates.update(client, record["certificate_id"], update)
        except ApiError as error:
            module.fail_from(error, msg="update of CA certificate %s failed" % record["certificate_id"], changed=plan.upload or plan.verify,
                             certificate=record)
        record.update(answer or update)
    return plan.before, record


def warn_twins(module: t.Any, uploaded: t.Mapping[str, t.Any], wanted: Wanted) -> None:
    """After an upload, say so when another run uploaded the same CA at the same moment (the API cannot prevent it)."""
    info = wanted.ca
    confirmed, _unconfirmed = ca_certificates.copies(
        module.client, info.der, info.common_name, iso_utc(info.not_before), iso_utc(info.not_after), wanted.params["app_id"]
    )
    twins = sorted(str(copy["certificate_id"]) for copy in confirmed if copy["certificate_id"] != uploaded["certificate_id"])
    if twins:
        module.warn(
            "CA certificate %s was uploaded by this run, but an identical copy exists as %s (another run uploaded it at the same moment): "
            "keep one and delete the other with iotda_ca_certificate certificate_id=%s state=absent"
            % (uploaded["certificate_id"], ", ".join(twins), uploaded["certificate_id"])
        )

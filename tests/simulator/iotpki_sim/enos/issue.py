"""EnOS certificate issuing: action=apply and action=renew, plus the helper the seeding control uses."""

from __future__ import annotations

import datetime
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from iotpki_sim.core import pki
from iotpki_sim.core import x509util
from iotpki_sim.enos.common import EnosContext, bound_cert, cert_sn, int_field
from iotpki_sim.enos.store import EnosCert, EnosDevice
from iotpki_sim.enos.errors import EnosError, enos_invalid
from iotpki_sim.core.ids import epoch_ms
from iotpki_sim.state import SimState

DEFAULT_VALID_DAYS = 730
AUTHORITIES = ("RSA", "ECC")


def issue_cert(state: SimState, device: EnosDevice, subject: x509.Name, public_key: Any, authority: str,
               not_before: datetime.datetime, not_after: datetime.datetime, serial: Optional[int] = None) -> EnosCert:
    """Sign with the simulated EnOS CA, bind to the device and store (call with state.lock held)."""
    ca = pki.enos_ca(authority)
    serial = serial if serial is not None else state.enos.new_serial()
    cert = pki.issue(ca, subject, public_key, not_before, not_after, serial=serial)
    record = EnosCert(serial=serial, asset_id=device.asset_id, der=x509util.der_of(cert),
                      subject=x509util.java_dn(subject), issuer=x509util.java_dn(ca.cert.subject),
                      common_name=x509util.common_name(subject), sign_ms=epoch_ms(not_before),
                      effective_ms=epoch_ms(not_before), expire_ms=epoch_ms(not_after), issue_authority=authority)
    state.enos.certs[serial] = record
    return record


def _authority(value: Any) -> str:
    if value is None or value == "":
        return "RSA"
    if not isinstance(value, str) or value.upper() not in AUTHORITIES:
        raise enos_invalid("Invalid Argument issueAuthority:issueAuthority must be RSA or ECC")
    return value.upper()


def _csr(text: Any) -> x509.CertificateSigningRequest:
    try:
        csr = x509util.load_pem_csr(text)
        valid = csr.is_signature_valid
    except ValueError as exc:
        raise enos_invalid("Invalid cert request!message: the CSR cannot be parsed, detail message: %s" % exc) from None
    if not valid:
        raise enos_invalid("Invalid cert request!message: the CSR signature is invalid, detail message: -")
    if not isinstance(csr.signature_hash_algorithm, hashes.SHA256):
        raise enos_invalid("Invalid cert request!message: the CSR must be signed with SHA256withRSA or "
                           "SHA256withECDSA, detail message: -")
    return csr


def _check_csr_subject(ctx: EnosContext, subject: x509.Name) -> None:
    """CN always; with enos_csr_subject=full also C, ST, L, O and OU (reference D3), each at most 64 characters."""
    labels = ("CN",) if ctx.state.config["enos_csr_subject"] == "cn" else ("C", "ST", "L", "O", "OU", "CN")
    oids = {"CN": NameOID.COMMON_NAME, "C": NameOID.COUNTRY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
            "L": NameOID.LOCALITY_NAME, "O": NameOID.ORGANIZATION_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME}
    missing = [label for label in labels if not x509util.name_attr(subject, oids[label])]
    if missing:
        raise enos_invalid("Invalid cert request!message: the CSR subject lacks %s, detail message: C, ST, L, O, "
                           "OU and CN are required" % ", ".join(missing))


def _check_key(public_key: Any, authority: str) -> None:
    if authority == "RSA" and isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 2048:
        return
    if authority == "ECC" and isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return
    need = "a 2048-bit RSA key" if authority == "RSA" else "a P-256 (prime256v1) EC key"
    raise enos_invalid("Invalid cert request!message: the key does not match issueAuthority %s, detail message: "
                       "%s is required" % (authority, need))


def _validity(ctx: EnosContext, authority: str) -> tuple[datetime.datetime, datetime.datetime]:
    days = int_field("validDay", ctx.body.get("validDay"))
    days = DEFAULT_VALID_DAYS if days is None else days
    if days < 1:
        raise enos_invalid("Invalid Argument validDay:validDay is invalid")
    if days > ctx.device.max_valid_days:
        raise enos_invalid("Invalid Argument validDay:the specified validity exceeds the product's maximum "
                           "certificate validity (%d days)" % ctx.device.max_valid_days)
    start = datetime.datetime.fromtimestamp(ctx.now_ms // 1000, datetime.timezone.utc)
    ca_end = x509util.not_after(pki.enos_ca(authority).cert)
    return start, min(start + datetime.timedelta(days=days), ca_end)


def _check_subject(ctx: EnosContext, common_name: str, replaced: list[EnosCert]) -> None:
    for cert in ctx.store.certs.values():
        if cert in replaced or cert.common_name != common_name or cert.status(ctx.now_ms) != 0:
            continue
        if cert.asset_id != ctx.device.asset_id:
            raise EnosError(11833, "The certificate is already bound to another device, please replace the CSR file")
        raise enos_invalid("Duplicate subject by certificate request!message: subject already exists, "
                           "detail message: CN=%s" % common_name)


def _result(ctx: EnosContext, cert: EnosCert) -> dict[str, Any]:
    suffix = "/RSA" if cert.issue_authority == "RSA" else ""
    return {"certChainURL": ctx.base_url + "/enos/CA/cacert" + suffix,
            "caCert": pki.enos_ca(cert.issue_authority).pem, "cert": x509util.der_to_pem(cert.der),
            "certSN": str(cert.serial), "issueAuthority": cert.issue_authority}


def _check_device(ctx: EnosContext) -> None:
    if not ctx.device.bidirectional:
        raise enos_invalid("Invalid Argument: the device's product does not support bi-directional authentication")


def apply(ctx: EnosContext) -> Any:
    """action=apply: issue a certificate from the CSR and bind it."""
    if not ctx.body.get("csr"):
        raise enos_invalid("Invalid Argument csr:csr is missing")
    csr = _csr(ctx.body["csr"])
    authority = _authority(ctx.body.get("issueAuthority"))
    _check_device(ctx)
    _check_key(csr.public_key(), authority)
    not_before, not_after = _validity(ctx, authority)
    _check_csr_subject(ctx, csr.subject)
    valid = [cert for cert in ctx.store.certs_of(ctx.device.asset_id) if cert.status(ctx.now_ms) == 0]
    rule = ctx.state.config["enos_apply_with_valid"]
    if valid and rule == "reject":
        raise enos_invalid("Invalid cert request!message: the device already has a valid certificate, "
                           "detail message: certSN %d" % valid[0].serial)
    replaced = valid if rule == "supersede" else []
    _check_subject(ctx, x509util.common_name(csr.subject), replaced)
    cert = issue_cert(ctx.state, ctx.device, csr.subject, csr.public_key(), authority, not_before, not_after)
    for old in replaced:
        old.revoked, old.revoker, old.revoke_reason = True, ctx.app_key, "SUPERSEDED"
    return _result(ctx, cert)


def renew(ctx: EnosContext) -> Any:
    """action=renew: reissue a valid bound certificate (new serial); the old one becomes revoked/SUPERSEDED."""
    old = bound_cert(ctx, cert_sn(ctx))
    status = old.status(ctx.now_ms)
    if status != 0:
        state_text = "revoked" if status == 1 else "expired"
        raise enos_invalid("Renew cert is failed!message: the original certificate has been %s and cannot be "
                           "updated, detail message: certificate %d is %s" % (state_text, old.serial, state_text))
    authority = _authority(ctx.body.get("issueAuthority") or old.issue_authority)
    previous = x509.load_der_x509_certificate(old.der)
    subject, public_key = previous.subject, previous.public_key()
    if ctx.body.get("csr"):
        csr = _csr(ctx.body["csr"])
        if x509util.common_name(csr.subject) != old.common_name:
            raise enos_invalid("Invalid cert request!message: a renewal must keep the CN of the original "
                               "certificate, detail message: expected CN=%s" % old.common_name)
        subject, public_key = csr.subject, csr.public_key()
    _check_device(ctx)
    _check_key(public_key, authority)
    not_before, not_after = _validity(ctx, authority)
    _check_subject(ctx, x509util.common_name(subject), [old])
    cert = issue_cert(ctx.state, ctx.device, subject, public_key, authority, not_before, not_after)
    old.revoked, old.revoker, old.revoke_reason = True, ctx.app_key, "SUPERSEDED"
    return _result(ctx, cert)

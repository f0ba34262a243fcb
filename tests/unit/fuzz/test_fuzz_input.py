# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generated bad input: every case fails with a clear message before any request, never with a traceback.

Two levels: the validators of module_utils (PEM, keys, fingerprints, selectors, serials, reasons,
read options) called directly, and every module's ``main()`` with generated bad arguments, where
the HTTP client is replaced by a recorder: a module that sends anything fails the test.
"""

from __future__ import annotations

import base64
import datetime
import json
import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st
from iotpki_test.certificates import issue, key_pem, new_key

from ansible.module_utils.testing import patch_module_args

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils import _http
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as device
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_reads as reads
from ansible_collections.iotpki.certificates.plugins.module_utils import _x509
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import device_query
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import normalize_fingerprint
from ansible_collections.iotpki.certificates.plugins.modules import enos_certificate_info, enos_certificate_revoke
from ansible_collections.iotpki.certificates.plugins.modules import iotda_ca_certificate, iotda_certificate_info, iotda_device_certificate

SECRET = "fuzz-secret-key-0001"
PASSPHRASE = "fuzz-passphrase-0001"
IOTDA = {"endpoint": "https://iotda.example", "project_id": "p1", "region": "cn-north-4", "access_key": "AK", "secret_key": SECRET}
ENOS = {"gateway_url": "https://enos.example", "org_id": "o1", "access_key": "ak", "secret_key": SECRET}


_CA = issue("Fuzz CA", ca=True, not_before=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), serial=1)
CA_PEM, CA_KEY_PEM = _CA.pem, _CA.key_pem(PASSPHRASE)
OTHER_KEY_PEM = key_pem(new_key())
PEM_BODY = "".join(CA_PEM.splitlines()[1:-1])
VERSION_BYTE = base64.b64decode(PEM_BODY).index(b"\xa0\x03\x02\x01\x02") + 4  # the 2 of "version v3"

# --- strategies of bad values --------------------------------------------------------------------

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def _is_fingerprint(value):
    return bool(re.match(r"^[0-9A-F]+$", re.sub(r"[\s:]", "", value).upper())) and len(re.sub(r"[\s:]", "", value)) in (40, 64)


bad_fingerprints = (text | st.text(alphabet="0123456789abcdefABCDEF: ", max_size=100)).filter(lambda v: not _is_fingerprint(v))


def _mutated_pem(data):
    """A PEM block around base64 that is not a certificate: random bytes, or the CA's DER with bytes flipped or cut."""
    der = base64.b64decode(PEM_BODY)
    kind, position, value = data
    if kind == "random":
        body = bytes(value)
    elif kind == "cut":
        body = der[: position % len(der)]
    else:
        index = position % len(der)
        body = der[:index] + bytes([(der[index] ^ (value[0] if value else 0xFF)) or 1]) + der[index + 1:]
    return "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % base64.b64encode(body).decode()


bad_pems = (
    text.filter(lambda v: "-----BEGIN CERTIFICATE-----" not in v)
    | st.tuples(st.sampled_from(["random", "cut", "flip"]), st.integers(0, 10 ** 6), st.binary(max_size=64)).map(_mutated_pem)
    | st.sampled_from([
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----",
        CA_PEM.replace("CERTIFICATE", "PUBLIC KEY"),
        CA_KEY_PEM,
    ])
)


def _readable(pem):
    try:
        _x509.load_certificate(pem, "content")
    except InputError:
        return False
    return True


# What the modules must refuse: not empty (an empty option counts as unset, as AWX sends it), not readable.
unreadable_pems = bad_pems.filter(lambda v: v.strip() != "" and not _readable(v))
bad_keys = (text.filter(lambda v: v.strip() != "")
            | st.binary(min_size=1, max_size=200).map(lambda b: "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % base64.b64encode(b).decode())
            | st.just(CA_PEM))
bad_common_names = text.filter(lambda v: not re.match(r"^[A-Za-z0-9_\-? '#().,&%@!*]{1,32}$", v))
negative = st.integers(max_value=-1)
non_empty = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


def _not_choice(choices):
    return text.filter(lambda v: v not in choices)


# --- the validators ------------------------------------------------------------------------------


@given(bad_fingerprints)
@example("AB" * 31)
@example("ab:" * 31 + "a")
@example("")
def test_bad_fingerprints_are_input_errors(value):
    with pytest.raises(InputError, match="fingerprint must be"):
        normalize_fingerprint(value)


@given(st.binary(min_size=20, max_size=20) | st.binary(min_size=32, max_size=32), st.sampled_from(["", ":", " "]), st.booleans())
def test_good_fingerprints_normalise(digest, separator, lower):
    written = separator.join("%02x" % b if lower else "%02X" % b for b in digest)
    assert normalize_fingerprint(written) == digest.hex().upper()


@given(bad_pems)
@example(CA_PEM.replace("\n", "", 3))
@example(_mutated_pem(("flip", VERSION_BYTE, b"\x01")))  # X.509 "v4": cryptography raises InvalidVersion, no ValueError
def test_bad_pem_is_an_input_error(pem):
    try:
        info = _x509.load_certificate(pem, "content")
    except InputError as error:
        assert str(error).startswith("content is not")
        assert PEM_BODY[:40] not in str(error)
    else:  # a mutation cryptography still reads: then it must be fully usable
        json.dumps([info.subject, info.common_name, info.fingerprint_sha256, info.not_before.isoformat(), info.not_after.isoformat()])


@given(bad_keys, st.none() | st.just(PASSPHRASE) | text.map(lambda value: "pass-" + value))
@example(CA_KEY_PEM, None)
@example(CA_KEY_PEM, "pass-wrong")
@example(OTHER_KEY_PEM, PASSPHRASE)
def test_bad_private_key_is_an_input_error(pem, passphrase):
    with pytest.raises(InputError) as caught:
        _x509.load_private_key(pem, passphrase)
    message = str(caught.value)
    assert message.startswith("private_key")
    assert "PRIVATE KEY" not in message and (not passphrase or passphrase not in message)


@given(st.fixed_dictionaries({}, optional={name: st.none() | st.just("") | non_empty for name in device.SELECTORS}))
def test_device_selector_needs_exactly_one(params):
    given_names = [name for name in device.SELECTORS if params.get(name) not in (None, "")]
    assume(len(given_names) != 1)
    with pytest.raises(InputError, match="give exactly one of"):
        device.selector_from_params(params)


@given(st.none() | st.just("") | non_empty, st.none() | st.just("") | non_empty, st.none() | st.just("") | non_empty)
def test_enos_device_selection(asset_id, product_key, device_key):
    valid = (bool(asset_id) and not product_key and not device_key) or (not asset_id and bool(product_key) and bool(device_key))
    if valid:
        assert device_query(asset_id, product_key, device_key)
    else:
        with pytest.raises(InputError, match="asset_id|product_key"):
            device_query(asset_id, product_key, device_key)


@given(negative)
def test_negative_serials_are_refused(value):
    with pytest.raises(InputError, match="cert_sn must be 0 or greater"):
        enos.check_cert_sn(value)


@given(st.fixed_dictionaries({"kind": st.sampled_from(["ca", "device"])}, optional={
    "app_id": text, "common_name": text, "fingerprint": text, "expiring_within_days": st.integers(-10, 10),
    "max_results": st.integers(-10, 10), "include_devices": st.booleans(), "include_content": st.booleans(),
}), st.lists(text, max_size=2))
def test_read_options_are_checked_locally(options, ids):
    try:
        query = reads.read_query(ids, **options)
    except InputError as error:
        assert str(error)
        return
    # Accepted: then every documented rule holds.
    assert query.max_results is None or query.max_results >= 1
    assert query.expiring_within_days is None or query.expiring_within_days >= 0
    assert not (query.certificate_ids and (query.app_id or query.common_name or query.fingerprint))
    assert query.kind == "device" or not (query.common_name or query.fingerprint or query.include_devices)


# --- every module's main(), with a recorder for any request ---------------------------------------


@pytest.fixture
def sent(monkeypatch):
    """Every HTTP request a module tries to send (each then fails like a network error)."""
    calls = []

    def record(self, method, path, *args, **kwargs):
        calls.append((method, path))
        raise ApiError(self.platform, method, self.base_url + path, "the fuzz test allows no request")

    monkeypatch.setattr(_http.HttpClient, "request", record)
    return calls


FUZZ_SETTINGS = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def run_main(module, args, capsys, sent):
    """Run ``main()`` with these arguments; return its JSON answer after the common checks."""
    del sent[:]
    capsys.readouterr()
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result.get("failed") is True, result
    assert sent == [], "bad input sent %s" % sent
    assert isinstance(result.get("msg"), str) and len(result["msg"]) > 10
    assert "error" not in result  # an API error shape would mean a request was attempted
    for stream in (out, err):
        assert "Traceback" not in stream and SECRET not in stream and PASSPHRASE not in stream and "PRIVATE KEY-----\n" not in stream
    return result


device_args = st.one_of(
    st.fixed_dictionaries({}, optional={name: non_empty for name in device.SELECTORS}).filter(lambda d: len(d) != 1),
    st.fixed_dictionaries({"fingerprint": bad_fingerprints.filter(lambda v: v.strip() != "")}),
    st.fixed_dictionaries({"common_name": bad_common_names.filter(lambda v: v != "")}),
    st.fixed_dictionaries({"content": unreadable_pems}),
    st.fixed_dictionaries({"certificate_id": non_empty, "status": _not_choice(["active", "inactive"])}),
    st.fixed_dictionaries({"certificate_id": non_empty, "state": _not_choice(["present", "absent"])}),
)


@FUZZ_SETTINGS
@given(args=device_args)
def test_device_certificate_bad_input(args, capsys, sent):
    run_main(iotda_device_certificate, dict(IOTDA, **args), capsys, sent)


ca_args = st.one_of(
    st.fixed_dictionaries({"content": unreadable_pems}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "verified": st.just(True), "verification_certificate": unreadable_pems}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "verified": st.just(True), "private_key": bad_keys}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "verified": st.just(True), "private_key": st.just(CA_KEY_PEM),
                           "private_key_passphrase": text.filter(lambda v: v not in ("", PASSPHRASE))}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "verified": st.just(True), "private_key": st.just(OTHER_KEY_PEM)}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "private_key_passphrase": st.just(PASSPHRASE)}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "verified": st.just(True)}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "certificate_id": non_empty}),
    st.fixed_dictionaries({"content": st.just(CA_PEM), "state": _not_choice(["present", "absent"])}),
    st.just({}),
)


@FUZZ_SETTINGS
@given(args=ca_args)
def test_ca_certificate_bad_input(args, capsys, sent):
    result = run_main(iotda_ca_certificate, dict(IOTDA, **args), capsys, sent)
    assert PEM_BODY[:40] not in result["msg"]


info_args = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("ca")}, optional={"common_name": non_empty, "fingerprint": st.just("AB" * 32), "include_devices": st.just(True)},
    ).filter(lambda d: len(d) > 1),
    st.fixed_dictionaries({"kind": st.just("device"), "app_id": non_empty}),
    st.fixed_dictionaries({"kind": st.sampled_from(["ca", "device"]), "certificate_id": non_empty, "expiring_within_days": st.integers(0, 9)}),
    st.fixed_dictionaries({"expiring_within_days": negative}),
    st.fixed_dictionaries({"max_results": st.integers(max_value=0)}),
    st.fixed_dictionaries({"kind": st.just("device"), "fingerprint": bad_fingerprints.filter(lambda v: v.strip() != "")}),
    st.fixed_dictionaries({"kind": st.just("device"), "common_name": bad_common_names.filter(lambda v: v != "")}),
    st.fixed_dictionaries({"app_id": text.filter(lambda v: v != "" and not re.match(r"^[A-Za-z0-9_-]{1,36}$", v))}),
    st.fixed_dictionaries({"kind": _not_choice(["ca", "device"])}),
    st.fixed_dictionaries({"certificate_id": st.sampled_from(["", "  "])}),
)


@FUZZ_SETTINGS
@given(args=info_args)
def test_certificate_info_bad_input(args, capsys, sent):
    run_main(iotda_certificate_info, dict(IOTDA, **args), capsys, sent)


enos_devices = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"asset_id": non_empty, "product_key": non_empty}, optional={"device_key": non_empty}),
    st.fixed_dictionaries({"asset_id": non_empty, "device_key": non_empty}),
    st.fixed_dictionaries({"product_key": non_empty}),
    st.fixed_dictionaries({"device_key": non_empty}),
)
revoke_args = st.one_of(
    st.tuples(enos_devices, st.integers(0, 2 ** 31)).map(lambda t: dict(t[0], cert_sn=t[1])),
    st.fixed_dictionaries({"asset_id": non_empty, "cert_sn": negative}),
    st.fixed_dictionaries({"asset_id": non_empty, "cert_sn": st.integers(0, 99), "reason": _not_choice(list(enos.REASONS))}),
    st.fixed_dictionaries({"asset_id": non_empty, "cert_sn": text.filter(lambda v: not re.match(r"^\s*[-+]?\d+\s*$", v))}),
    st.fixed_dictionaries({"asset_id": non_empty}),
)


@FUZZ_SETTINGS
@given(args=revoke_args)
def test_enos_revoke_bad_input(args, capsys, sent):
    run_main(enos_certificate_revoke, dict(ENOS, **args), capsys, sent)


enos_info_args = st.one_of(
    enos_devices,
    st.fixed_dictionaries({"asset_id": non_empty, "cert_sn": negative}),
    st.fixed_dictionaries({"asset_id": non_empty, "status": _not_choice(list(enos.STATUSES.values()))}),
)


@FUZZ_SETTINGS
@given(args=enos_info_args)
def test_enos_info_bad_input(args, capsys, sent):
    run_main(enos_certificate_info, dict(ENOS, **args), capsys, sent)

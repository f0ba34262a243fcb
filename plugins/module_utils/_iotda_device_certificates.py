# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA device certificates: their paths, every call on them, their record (the keys README.md lists under records), and
which one the user means.

A device certificate is selected by exactly one of ``certificate_id`` (the show call: one
request), ``fingerprint`` (the list call's server-side filter), ``common_name`` (the server's
prefix search, then an exact match here) or ``content`` (a PEM whose SHA-256 fingerprint is
computed locally, then the fingerprint filter). Everything that can be wrong with the input is
found by ``selector_from_params`` before any request.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_resource as resource
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import (
    days_until,
    fingerprint_text,
    iso_utc,
    normalize_fingerprint,
    parse_iotda_date,
)

PATH = "/device-certificates"
ITEMS_KEY = "device_certificates"
CONTENT_KEY = "certificate_pem"
NOUN = "device certificate"
SELECTORS = ("certificate_id", "fingerprint", "common_name", "content")
DEVICE_KEYS = ("device_id", "node_id", "device_name", "product_id", "app_id", "gateway_id")
NOT_CREATABLE = (
    "Device certificates cannot be created through the IoTDA API: the platform registers one when a device "
    "connects with its certificate."
)
_COMMON_NAME_RE = re.compile(r"^[A-Za-z0-9_\-? '#().,&%@!*]{1,32}$")


class Listing(t.NamedTuple):
    records: t.List[t.Dict[str, t.Any]]
    total: int
    truncated: bool


def device_certificate_record(answer: t.Optional[t.Mapping[str, t.Any]], now: t.Optional[datetime.datetime] = None,
                              content: bool = False) -> t.Dict[str, t.Any]:
    """The device certificate record of README.md's records; ``certificate_pem`` only when asked for."""
    answer = answer or {}
    expiry = parse_iotda_date(answer.get("expiry_date"))
    status = answer.get("status")
    record = {
        "certificate_id": answer.get("certificate_id"),
        "common_name": answer.get("common_name"),
        "fingerprint": fingerprint_text(answer.get("fingerprint")),
        "status": status.lower() if isinstance(status, str) and status else None,
        "expiry_date": iso_utc(expiry),
        "expires_in_days": days_until(expiry, now),
    }
    if content:
        record["certificate_pem"] = answer.get("certificate_pem")
    return record


def check_common_name(value: str) -> str:
    """The platform's prefix search accepts 1-32 of these characters; InputError otherwise."""
    if not _COMMON_NAME_RE.match(value):
        raise InputError("common_name must be 1-32 characters of letters, digits, spaces and _-?'#().,&%@!* (the platform's prefix search)")
    return value


def get(client: t.Any, certificate_id: str, missing: t.Optional[str] = None,
        now: t.Optional[datetime.datetime] = None) -> t.Optional[t.Dict[str, t.Any]]:
    """One device certificate with its ``certificate_pem`` (the show call).

    An unknown ID is None, or ``NotFound`` worded by the ``missing`` template (``{error}``: the platform's error).
    """
    answer = resource.get(client, resource.item_path(client, PATH, certificate_id), missing)
    return None if answer is None else device_certificate_record(answer, now, content=True)


def listing(
    client: t.Any,
    common_name: t.Optional[str] = None,
    fingerprint: t.Optional[str] = None,
    max_results: t.Optional[int] = None,
    now: t.Optional[datetime.datetime] = None,
) -> Listing:
    """Every device certificate (all pages) that the platform's filters keep."""
    page = client.list_all(PATH, ITEMS_KEY, [("common_name", common_name), ("fingerprint", fingerprint)], max_results)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return Listing([device_certificate_record(item, now) for item in page.items], page.total, page.truncated)


def set_status(client: t.Any, certificate_id: str, status: str) -> t.Dict[str, t.Any]:
    """PUT the status (``active``/``inactive``); the record the platform answers (empty when it answers nothing)."""
    answer = client.request("PUT", resource.item_path(client, PATH, certificate_id), body={"status": status.upper()})
    return device_certificate_record(answer) if answer else {}


def delete(client: t.Any, certificate_id: str) -> bool:
    """False when the device certificate was already gone."""
    return resource.delete(client, resource.item_path(client, PATH, certificate_id))


def devices_using(client: t.Any, certificate_id: str) -> t.List[t.Dict[str, t.Any]]:
    """Every device whose fingerprint is the certificate's (POST list-device, all pages)."""
    path = resource.item_path(client, PATH, certificate_id) + "/list-device"
    return [{key: device.get(key) for key in DEVICE_KEYS} for device in client.list_all_by_post(path, "devices").items]


class Selector(t.NamedTuple):
    """The one option that names the certificate, with the value to send (``fingerprint`` normalised)."""

    option: str
    value: str
    fingerprint: t.Optional[str] = None
    common_name: t.Optional[str] = None

    def describe(self) -> str:
        """How the user selected it, for messages (``content`` as its fingerprint, never the PEM)."""
        if self.option == "content":
            return "content (SHA-256 fingerprint %s, CN %r)" % (self.fingerprint, self.common_name)
        return "%s=%r" % (self.option, self.fingerprint or self.value)


class SeveralMatches(InputError):
    """The selector names more than one certificate; ``matches`` lists their records."""

    def __init__(self, message: str, matches: t.List[t.Dict[str, t.Any]]) -> None:
        super().__init__(message)
        self.matches = matches


def selector_from_params(params: t.Mapping[str, t.Any]) -> Selector:
    """Exactly one selector, validated (an empty string counts as unset, as AWX sends it)."""
    given = [name for name in SELECTORS if params.get(name) not in (None, "")]
    if len(given) != 1:
        raise InputError(
            "give exactly one of %s to select the device certificate; got %s" % (", ".join(SELECTORS), ", ".join(given) if given else "none")
        )
    option = given[0]
    value = params[option]
    if option == "fingerprint":
        return Selector(option, value, fingerprint=normalize_fingerprint(value))
    if option == "common_name":
        return Selector(option, check_common_name(value))
    if option == "content":
        from ansible_collections.iotpki.certificates.plugins.module_utils._x509 import load_certificate  # cryptography: only here

        info = load_certificate(value, "content")
        return Selector(option, value, fingerprint=info.fingerprint_sha256, common_name=info.common_name)
    return Selector(option, value)


def find(client: t.Any, selector: Selector, required: bool = False) -> t.Optional[t.Dict[str, t.Any]]:
    """The record of the one certificate the selector names (without its PEM); None, or a failure when ``required``.

    One request for ``certificate_id`` (the show call); otherwise the list call with the server's
    filter (one request per 50 candidates), then the exact match here. SeveralMatches if ambiguous.
    """
    nothing = "No IoTDA device certificate matches %s%s. " + NOT_CREATABLE
    if selector.option == "certificate_id":
        found = get(client, selector.value, nothing % (selector.describe(), " ({error})") if required else None)
        if found is not None:
            found.pop(CONTENT_KEY)
        return found
    if selector.option == "common_name":
        candidates = listing(client, common_name=selector.value).records
        matches = [record for record in candidates if record["common_name"] == selector.value]
    else:
        candidates = listing(client, fingerprint=selector.fingerprint).records
        matches = [record for record in candidates if _same_fingerprint(record["fingerprint"], selector.fingerprint)]
    if len(matches) > 1:
        listed = "; ".join("%s (CN %s, %s, expires %s)" % (m["certificate_id"], m["common_name"], m["status"], m["expiry_date"]) for m in matches)
        raise SeveralMatches("%d device certificates match %s: %s. Select one by certificate_id." % (len(matches), selector.describe(), listed), matches)
    if not matches and required:
        raise InputError(nothing % (selector.describe(), ""))
    return matches[0] if matches else None


def _same_fingerprint(have: t.Optional[str], wanted: t.Optional[str]) -> bool:
    """Compare when both are the same kind of digest; otherwise trust the server's filter (SHA-1 vs SHA-256)."""
    have = have or ""
    return have == wanted or len(have) != len(wanted or "")

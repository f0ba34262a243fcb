# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA device certificates: which one the user means, and the normalised view of one.

A device certificate is selected by exactly one of ``certificate_id`` (the show call: one
request), ``fingerprint`` (the list call's server-side filter), ``common_name`` (the server's
prefix search, then an exact match here) or ``content`` (a PEM whose SHA-256 fingerprint is
computed locally, then the fingerprint filter). Everything that can be wrong with the input is
found by ``selector_from_params`` before any request. The platform's paths, the 404 rule and the
``common_name`` rule are those of ``_iotda_reads`` (the info module and the lookup).

cryptography is imported only for ``content`` (``_x509``); the rest needs no third-party import.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import path_param
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import KINDS, is_not_found, read_query
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import iso_utc, normalize_fingerprint, parse_iotda_date

DEVICE = KINDS["device"]
SELECTORS = ("certificate_id", "fingerprint", "common_name", "content")


def certificate_path(certificate_id: str) -> str:
    """The path of one device certificate (show, PUT, DELETE)."""
    return "%s/%s" % (DEVICE.path, path_param(certificate_id))


class Selector:
    """The one option that names the certificate, with the value to send (``fingerprint`` normalised)."""

    def __init__(self, option: str, value: str, fingerprint: t.Optional[str] = None, common_name: t.Optional[str] = None) -> None:
        self.option = option
        self.value = value
        self.fingerprint = fingerprint
        self.common_name = common_name

    def describe(self) -> str:
        """How the user selected it, for messages (``content`` as its fingerprint, never the PEM)."""
        if self.option == "content":
            return "content (SHA-256 fingerprint %s, CN %r)" % (self.fingerprint, self.common_name)
        return "%s=%r" % (self.option, self.fingerprint or self.value)


class SeveralMatches(InputError):
    """The selector names more than one certificate; ``matches`` lists their normalised views."""

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
        read_query(kind="device", common_name=value)  # InputError unless the list call's search accepts it
        return Selector(option, value)
    if option == "content":
        from ansible_collections.iotpki.certificates.plugins.module_utils._x509 import load_certificate  # cryptography: only here

        info = load_certificate(value, "content")
        return Selector(option, value, fingerprint=info.fingerprint_sha256, common_name=info.common_name)
    return Selector(option, value)


def find_device_certificate(client: t.Any, selector: Selector) -> t.Tuple[t.Optional[t.Dict[str, t.Any]], t.Optional[ApiError]]:
    """(the one certificate the selector names, None), or (None, the show call's 404 or None).

    One request: the show call for ``certificate_id``; otherwise the list call with the server's
    filter (one request per 50 candidates), then the exact match here. SeveralMatches if ambiguous.
    """
    if selector.option == "certificate_id":
        try:
            return client.get(certificate_path(selector.value)), None
        except ApiError as error:
            if is_not_found(error):
                return None, error
            raise
    if selector.option == "common_name":
        candidates = client.list_all(DEVICE.path, DEVICE.items_key, [("common_name", selector.value)]).items
        found = [item for item in candidates if item.get("common_name") == selector.value]
    else:
        candidates = client.list_all(DEVICE.path, DEVICE.items_key, [("fingerprint", selector.fingerprint)]).items
        found = [item for item in candidates if _same_fingerprint(item.get("fingerprint"), selector.fingerprint)]
    if len(found) > 1:
        views = [normalized(item) for item in found]
        listed = "; ".join("%s (CN %s, %s, expires %s)" % (v["certificate_id"], v["common_name"], v["status"], v["expiry_date"]) for v in views)
        raise SeveralMatches(
            "%d device certificates match %s: %s. Select one by certificate_id." % (len(found), selector.describe(), listed), views
        )
    return (found[0] if found else None), None


def _same_fingerprint(platform_value: t.Optional[str], wanted: t.Optional[str]) -> bool:
    """Compare when both are the same kind of digest; otherwise trust the server's filter (SHA-1 vs SHA-256)."""
    have = re.sub(r"[\s:]", "", platform_value or "").upper()
    return have == wanted or len(have) != len(wanted or "")


def normalized(certificate: t.Optional[t.Mapping[str, t.Any]]) -> t.Dict[str, t.Any]:
    """The secret-free view used in results and diffs: lowercase status, ISO 8601 UTC expiry, no PEM."""
    if not certificate:
        return {}
    expiry = certificate.get("expiry_date")
    status = certificate.get("status")
    fingerprint = certificate.get("fingerprint")
    return {
        "certificate_id": certificate.get("certificate_id"),
        "common_name": certificate.get("common_name"),
        "fingerprint": (re.sub(r"[\s:]", "", fingerprint).upper() or None) if isinstance(fingerprint, str) else None,
        "status": status.lower() if isinstance(status, str) else status,
        "expiry_date": iso_utc(parse_iotda_date(expiry)) or expiry,
    }

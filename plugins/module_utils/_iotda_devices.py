# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA devices: their paths, "not found", the device record, and the fingerprint reset.

A device authenticates with a certificate through the two fingerprint slots of its ``auth_info``
(``fingerprint``, the primary, and ``secondary_fingerprint``). The show call answers the device's
``secret`` and ``secondary_secret`` in clear text: ``show_device`` hands them to ``hide`` (the
module's ``no_log_values``) before anything else sees the answer, and ``device_record`` never
carries them.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_resource as resource
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import path_param
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import fingerprint_text

DEVICES_PATH = "/devices"
SECRET_KEYS = ("secret", "secondary_secret")
SLOTS = {"fingerprint": "PRIMARY", "secondary_fingerprint": "SECONDARY"}
RECORD_KEYS = ("device_id", "node_id", "device_name", "product_id", "app_id", "status", "auth_type", "fingerprint", "secondary_fingerprint")
# Older tables spell the frozen state FREEZED; the v5 API says FROZEN.
_STATUS_ALIASES = {"freezed": "frozen"}


def device_path(device_id: str) -> str:
    """The path of one device (show)."""
    return "%s/%s" % (DEVICES_PATH, path_param(device_id))


def reset_fingerprint_path(device_id: str) -> str:
    return device_path(device_id) + "/reset-fingerprint"


def device_secrets(answer: t.Any) -> t.List[str]:
    """The secret values of a device answer (``auth_info.secret``, ``auth_info.secondary_secret``)."""
    auth = answer.get("auth_info") if isinstance(answer, dict) else None
    if not isinstance(auth, dict):
        return []
    return [str(auth[key]) for key in SECRET_KEYS if auth.get(key) not in (None, "")]


def show_device(client: t.Any, device_id: str, hide: t.Callable[[str], None]) -> t.Optional[t.Dict[str, t.Any]]:
    """The platform's device object, or None when there is no such device.

    Its secrets are passed to ``hide`` first, then removed from the object.
    """
    answer = resource.get(client, device_path(device_id))
    if answer is None:
        return None
    for secret in device_secrets(answer):
        hide(secret)
    answer = dict(answer or {})
    if isinstance(answer.get("auth_info"), dict):
        answer["auth_info"] = {key: value for key, value in answer["auth_info"].items() if key not in SECRET_KEYS}
    return answer


def _lower(value: t.Any) -> t.Optional[str]:
    if not isinstance(value, str) or not value:
        return None
    text = value.lower()
    return _STATUS_ALIASES.get(text, text)


def device_record(answer: t.Optional[t.Mapping[str, t.Any]]) -> t.Dict[str, t.Any]:
    """The device record of the collection: never ``secret`` or ``secondary_secret``."""
    answer = answer or {}
    auth = answer.get("auth_info") if isinstance(answer.get("auth_info"), dict) else {}
    return {
        "device_id": answer.get("device_id"),
        "node_id": answer.get("node_id"),
        "device_name": answer.get("device_name"),
        "product_id": answer.get("product_id"),
        "app_id": answer.get("app_id"),
        "status": _lower(answer.get("status")),
        "auth_type": _lower(auth.get("auth_type")),
        "fingerprint": fingerprint_text(auth.get("fingerprint")),
        "secondary_fingerprint": fingerprint_text(auth.get("secondary_fingerprint")),
    }


def reset_fingerprint(client: t.Any, device_id: str, slot: str, fingerprint: t.Optional[str], force_disconnect: bool) -> t.Any:
    """One ``reset-fingerprint`` of ``slot`` (a key of SLOTS); ``fingerprint`` None clears the slot.

    Clearing omits the ``fingerprint`` key (the documented way); the slot is always named, never the
    platform's default. A POST: the HTTP client never repeats it once it may have reached the server.
    """
    body: t.Dict[str, t.Any] = {"fingerprint_type": SLOTS[slot], "force_disconnect": bool(force_disconnect)}
    if fingerprint:
        body["fingerprint"] = fingerprint
    return client.request("POST", reset_fingerprint_path(device_id), body=body)

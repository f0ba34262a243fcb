# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every IoTDA resource home shares: the path of one item, and "not found" decided once.

A GET of something missing is ``None``, a DELETE of something already gone is ``False``; every
other failure stays an ``ApiError``. A path is never built from a missing ID: a platform answer
without one fails here, naming the field, instead of sending ``.../None``.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import PLATFORM, path_param


def is_not_found(error: ApiError) -> bool:
    """A 404 of IoTDA itself (unknown ID); an API-gateway 404 (wrong endpoint or path) stays an error."""
    return error.http_status == 404 and str(error.code or "").startswith("IOTDA.")


def item_path(client: t.Any, collection: str, item_id: t.Any, field: str = "certificate_id") -> str:
    """``collection/<id>``; an ApiError naming the field when the platform's answer had no ID."""
    if item_id in (None, "") or not isinstance(item_id, (str, int)):
        raise ApiError(
            PLATFORM, "GET", client.http.base_url + client.prefix + collection,
            "the platform's answer has an item of %s without '%s' (got %r): no request is built from it" % (collection, field, item_id),
        )
    return "%s/%s" % (collection, path_param(str(item_id)))


class NotFound(ApiError):
    """The platform's 404 for an unknown ID, in the caller's words: ``{error}`` in ``template`` is the platform's error."""

    def __init__(self, error: ApiError, template: str) -> None:
        self.template = template
        super().__init__(error.platform, error.method, error.url, error.message, http_status=error.http_status, code=error.code,
                         request_id=error.request_id, retryable=error.retryable, attempts=error.attempts)

    def _format(self) -> str:
        return self.template.replace("{error}", super()._format())


def get(client: t.Any, path: str, missing: t.Optional[str] = None) -> t.Optional[t.Dict[str, t.Any]]:
    """The show call's object. For an unknown ID: None, or ``NotFound`` with the ``missing`` template when given."""
    try:
        return client.get(path) or {}
    except ApiError as error:
        if not is_not_found(error):
            raise
        if missing is not None:
            raise NotFound(error, missing) from None
        return None


def delete(client: t.Any, path: str) -> bool:
    """DELETE; False when it was already gone (another run deleted it first)."""
    try:
        client.request("DELETE", path)
    except ApiError as error:
        if is_not_found(error):
            return False
        raise
    return True

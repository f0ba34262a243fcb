# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EnOS APIM token authentication: the token request's ``encryption`` and the per-request
``apim-signature``. Pure functions; the unit tests reproduce the documented vectors.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import hashlib
import time
import typing as t


def timestamp_ms(now: t.Optional[float] = None) -> int:
    return int((time.time() if now is None else now) * 1000)


def token_encryption(app_key: str, timestamp: int, app_secret: str) -> str:
    """``sha256_hex(appKey + timestamp + appSecret)`` for ``/apim-token-service/v2.0/token/get``."""
    return hashlib.sha256(("%s%s%s" % (app_key, timestamp, app_secret)).encode("utf-8")).hexdigest()


def request_signature(access_token: str, query: t.Iterable[t.Tuple[str, str]], body: bytes, timestamp: int, app_secret: str) -> str:
    """``apim-signature``: sha256_hex(token + sorted decoded ``k+v`` pairs + exact body + timestamp + secret)."""
    params = "".join("%s%s" % (key, value) for key, value in sorted(query, key=lambda pair: pair[0]))
    data = access_token.encode("utf-8") + params.encode("utf-8") + (body or b"") + ("%s%s" % (timestamp, app_secret)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()

# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Version of the collection, sent in the User-Agent header.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "iotpki.certificates/%s" % COLLECTION_VERSION

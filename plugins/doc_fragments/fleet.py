# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Run controls of the plugins that make many calls in one task (fleet operations)."""

    DOCUMENTATION = r"""
options:
  concurrency:
    description:
      - How many requests are in flight at once for this task. V(1) sends them one after the other.
      - From V(1) to V(64). Above a few tens a platform throttles long before the extra connections help.
    type: int
    default: 8
  rate_limit:
    description:
      - Most requests per second for the whole task (every attempt counts, retries included), on top of the
        adaptive limit. No second ever holds more than this many requests.
      - Unset, the task is limited only by O(concurrency) and by the platform. When the platform throttles
        (HTTP 429, or the IoTDA codes C(IOTDA.021101) and C(IOTDA.021102)), every worker waits at least
        C(Retry-After), the rate is halved, and it climbs back while answers are good.
      - Must be above V(0).
    type: float
  max_failures:
    description:
      - How many targets may fail while the task still succeeds. The failures are returned in C(failures)
        either way; a target that fails never stops the others.
      - V(0) (the default) fails the task when any target fails.
    type: int
    default: 0
"""

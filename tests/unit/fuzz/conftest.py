# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hypothesis settings of the fuzz tests.

The default profile ``iotpki-ci`` is derandomized (the same examples on every run, so ``make units``
never flakes) and keeps no example database (nothing is written into the working tree). Set
``HYPOTHESIS_PROFILE=iotpki-explore`` to search with fresh random examples and a larger budget.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "iotpki-ci",
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "iotpki-explore",
    max_examples=2000,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "iotpki-ci"))

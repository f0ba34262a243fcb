# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules of the collection."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return the predicted result and diff without sending any write.
  diff_mode:
    description: Returns a normalised, secret-free before/after view of what changed (or would change in C(check_mode)).
  idempotent:
    description:
      - When run twice with the same options, the second run reports RV(ignore:changed=false) and sends no write.
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
"""

    IOTDA_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotpki.certificates.iotda) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotpki.certificates.iotda
"""

    ENOS_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotpki.certificates.enos) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotpki.certificates.enos
"""

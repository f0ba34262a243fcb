# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credentials the simulator accepts by default, taken from the simulator package itself."""

from __future__ import annotations

import dataclasses

from iotpki_sim.config import Credentials

# iotda_access_key, iotda_secret_key, iotda_project_id, iotda_auth_token, iotda_region,
# enos_access_key, enos_secret_key, enos_org_id
DEFAULT_CREDENTIALS = dataclasses.asdict(Credentials())

# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of Envision EnOS (modules)."""

    DOCUMENTATION = r"""
options:
  gateway_url:
    description:
      - URL of the EnOS API gateway, for example V(https://apim-ppe1.envisioniot.com).
      - If not set, the environment variable E(ENOS_GATEWAY_URL) is used.
    type: str
    required: true
  access_key:
    description:
      - Application access key (C(appKey)) from the EnOS application registration.
      - If not set, E(ENOS_ACCESS_KEY) is used.
    type: str
    required: true
  secret_key:
    description:
      - Application secret (C(appSecret)). Used to get the APIM access token and to sign each request; never sent, logged or returned.
      - If not set, E(ENOS_SECRET_KEY) is used.
    type: str
    required: true
  org_id:
    description:
      - Organization (OU) ID.
      - If not set, E(ENOS_ORG_ID) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the TLS certificate of the gateway. Setting it to V(false) prints a warning.
      - If not set, E(ENOS_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM file) used to verify the gateway's TLS certificate.
      - If not set, E(ENOS_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection and for each answer; a number greater than 0 (fractions such as V(1.5) are kept).
      - If not set, E(ENOS_TIMEOUT) is used.
    type: float
    default: 30.0
  retries:
    description:
      - How many times a failed request may be retried after the first attempt (connection errors, HTTP 429, 500, 502, 503, 504),
        with exponential backoff and jitter, waiting at least C(Retry-After) (at most 60 seconds).
      - Requests that change state (POST) are retried only when they never reached the server.
      - A whole number from 0 to 100.
      - If not set, E(ENOS_RETRIES) is used.
    type: int
    default: 3
notes:
  - Connection options can be set for all EnOS modules at once with C(module_defaults) and the group
    C(group/iotpki.certificates.enos), or through the environment variables named for each option
    (an empty environment variable counts as unset).
  - Authentication is the APIM access-token flow. One token is requested per module run and reused; an expired-token
    answer fetches a new token once and repeats the request once.
"""

    # Device selection of the EnOS certificate modules (checked before any request).
    DEVICE = r"""
options:
  asset_id:
    description:
      - Asset ID of the device.
      - Select the device either with O(asset_id), or with O(product_key) and O(device_key); exactly one way.
    type: str
  product_key:
    description:
      - Product key of the device, together with O(device_key).
    type: str
  device_key:
    description:
      - Device key of the device, together with O(product_key). This is the device's identifier, not a secret.
    type: str
"""

# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of Huawei Cloud IoTDA (modules); PLUGINS adds the lookup's sources."""

    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - IoTDA application-side endpoint, for example V(https://iotda.cn-north-4.myhuaweicloud.com) (basic edition, shared)
        or V(https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com) (standard and enterprise instances).
      - If not set, the environment variable E(IOTDA_ENDPOINT) is used.
    type: str
    required: true
  project_id:
    description:
      - Huawei Cloud project ID, part of every API path.
      - If not set, E(IOTDA_PROJECT_ID) or E(HUAWEICLOUD_SDK_PROJECT_ID) is used.
    type: str
    required: true
  region:
    description:
      - Region ID, for example V(cn-north-4). Needed for derived signing; parsed from an instance host
        (C(*.iotda-app.<region>.myhuaweicloud.com)) when not set.
      - If not set, E(IOTDA_REGION) or E(HUAWEICLOUD_SDK_REGION) is used.
    type: str
  access_key:
    description:
      - Access key ID (AK) for AK/SK request signing.
      - If not set, E(IOTDA_ACCESS_KEY) or E(HUAWEICLOUD_SDK_AK) is used.
    type: str
  secret_key:
    description:
      - Secret access key (SK) for AK/SK request signing. Never logged or returned.
      - If not set, E(IOTDA_SECRET_KEY) or E(HUAWEICLOUD_SDK_SK) is used.
    type: str
  security_token:
    description:
      - Security token of temporary AK/SK credentials, sent and signed as C(X-Security-Token).
      - If not set, E(IOTDA_SECURITY_TOKEN) is used.
    type: str
  auth_token:
    description:
      - IAM token sent as C(X-Auth-Token), instead of AK/SK signing. Takes precedence over O(access_key) and O(secret_key).
      - If not set, E(IOTDA_AUTH_TOKEN) is used.
    type: str
  signing:
    description:
      - AK/SK signing algorithm. V(standard) is C(SDK-HMAC-SHA256), for the basic edition's shared endpoints.
        V(derived) is C(V11-HMAC-SHA256) with service C(iotdm), required by standard and enterprise instances.
      - V(auto) uses derived signing unless the endpoint host is a shared C(iotda.<region>.myhuaweicloud.*) one.
      - If not set, E(IOTDA_SIGNING) is used.
    type: str
    choices: [auto, standard, derived]
    default: auto
  instance_id:
    description:
      - Instance ID sent as the C(Instance-Id) header (mandatory for professional editions).
      - If not set, E(IOTDA_INSTANCE_ID) is used.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint. Setting it to V(false) prints a warning.
      - If not set, E(IOTDA_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM file) used to verify the endpoint's TLS certificate.
      - If not set, E(IOTDA_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection and for each answer; a number greater than 0 (fractions such as V(1.5) are kept).
      - If not set, E(IOTDA_TIMEOUT) is used.
    type: float
    default: 30.0
  retries:
    description:
      - How many times a failed request may be retried after the first attempt (connection errors, HTTP 429, 500, 502, 503, 504),
        with exponential backoff and jitter, waiting at least C(Retry-After) (at most 60 seconds).
      - Requests that change state (POST) are retried only when they never reached the server.
      - A whole number from 0 to 100.
      - If not set, E(IOTDA_RETRIES) is used.
    type: int
    default: 3
notes:
  - Modules take connection options as task arguments, from C(module_defaults) with the group
    C(group/iotpki.certificates.iotda) (all IoTDA modules at once), or from the environment variables named for each
    option. The lookup takes them as keyword arguments, variables or environment variables. An empty environment
    variable counts as unset.
"""

    PLUGINS = r"""
options:
  endpoint:
    env:
      - name: IOTDA_ENDPOINT
    vars:
      - name: iotda_endpoint
  project_id:
    env:
      - name: IOTDA_PROJECT_ID
      - name: HUAWEICLOUD_SDK_PROJECT_ID
    vars:
      - name: iotda_project_id
  region:
    env:
      - name: IOTDA_REGION
      - name: HUAWEICLOUD_SDK_REGION
    vars:
      - name: iotda_region
  access_key:
    env:
      - name: IOTDA_ACCESS_KEY
      - name: HUAWEICLOUD_SDK_AK
    vars:
      - name: iotda_access_key
  secret_key:
    env:
      - name: IOTDA_SECRET_KEY
      - name: HUAWEICLOUD_SDK_SK
    vars:
      - name: iotda_secret_key
  security_token:
    env:
      - name: IOTDA_SECURITY_TOKEN
    vars:
      - name: iotda_security_token
  auth_token:
    env:
      - name: IOTDA_AUTH_TOKEN
    vars:
      - name: iotda_auth_token
  signing:
    env:
      - name: IOTDA_SIGNING
    vars:
      - name: iotda_signing
  instance_id:
    env:
      - name: IOTDA_INSTANCE_ID
    vars:
      - name: iotda_instance_id
  validate_certs:
    env:
      - name: IOTDA_VALIDATE_CERTS
    vars:
      - name: iotda_validate_certs
  ca_path:
    env:
      - name: IOTDA_CA_PATH
    vars:
      - name: iotda_ca_path
  timeout:
    env:
      - name: IOTDA_TIMEOUT
    vars:
      - name: iotda_timeout
  retries:
    env:
      - name: IOTDA_RETRIES
    vars:
      - name: iotda_retries
"""

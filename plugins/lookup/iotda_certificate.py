# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: iotda_certificate
short_description: Read Huawei Cloud IoTDA CA or device certificates on the controller
version_added: 0.1.0
description:
  - Returns the certificates named by their IDs (one show call each), or with no terms every certificate of O(kind)
    (all pages, 50 per request), as a list of certificate records, the same as the modules return.
  - The same reads as M(iotpki.certificates.iotda_certificate_info), with the same connection options, authentication,
    retries and error messages.
  - Connection options are taken from the keyword arguments, then from the variables, then from the environment.
    An environment variable that is set but empty counts as unset.
  - >-
    Variables may be templates, for example C(iotda_secret_key: "{{ vault_iotda_secret_key }}") in group_vars:
    the lookup templates them (ansible-core hands such variables to lookups untemplated).
author:
  - iotpki.certificates developers (@iotpki)
options:
  _terms:
    description:
      - Certificate IDs of O(kind). An ID the platform does not know fails the lookup, naming the other O(kind) to try.
      - No terms lists every certificate of O(kind).
    type: list
    elements: str
    required: false
  kind:
    description: V(ca) for CA certificates, V(device) for device certificates.
    type: str
    choices: [ca, device]
    default: ca
  app_id:
    description: List only the CA certificates of this resource space (O(kind=ca), no terms).
    type: str
  common_name:
    description: List only the device certificates whose common name starts with this text (O(kind=device), no terms).
    type: str
  fingerprint:
    description: List only the device certificate with this SHA-256 or SHA-1 fingerprint, colons allowed (O(kind=device), no terms).
    type: str
  expiring_within_days:
    description: List only the certificates that expire within this many days, or have expired (no terms).
    type: int
  include_content:
    description: Add the PEM field (C(content) for CA, C(certificate_pem) for device certificates).
    type: bool
    default: false
  include_devices:
    description: Add C(devices), the devices that use each device certificate (O(kind=device)).
    type: bool
    default: false
  max_results:
    description: Return at most this many certificates.
    type: int
  issuer:
    description:
      - List only the device certificates signed by this CA's key (O(kind=device), no terms). The PEM of a CA
        certificate; each candidate left by the other filters costs one show call, checked with the CA's public key.
      - Needs the Python library C(cryptography) on the controller.
    type: str
  concurrency:
    description:
      - How many requests are in flight at once, for the pages of one marker window of a listing and for the
        per-certificate calls (O(include_content), O(include_devices), O(issuer), terms). V(1) sends them one after the
        other.
      - From V(1) to V(64).
    type: int
    default: 8
  rate_limit:
    description:
      - Most requests per second for the whole lookup, on top of the adaptive limit that slows down when the platform
        throttles (HTTP 429). Must be above V(0). Unset, no cap.
    type: float
  max_failures:
    description:
      - How many certificates may fail their per-certificate call while the lookup still returns (those are left out,
        with a warning). A failed list page always fails the lookup.
    type: int
    default: 0
extends_documentation_fragment:
  - iotpki.certificates.iotda
  - iotpki.certificates.iotda.plugins
notes:
  - Use C(query) (or C(lookup) with C(wantlist=true)) to always get a list.
  - With C(-v), a long read prints a progress line at most every few seconds.
  - Precedence of the connection options is keyword argument, then variable (for example C(iotda_endpoint)), then
    environment variable (for example E(IOTDA_ENDPOINT)). C(module_defaults) do not apply to lookups.
seealso:
  - module: iotpki.certificates.iotda_certificate_info
"""

EXAMPLES = r"""
- name: Show the CN and expiry of two device certificates
  ansible.builtin.debug:
    msg: "{{ item.common_name }} expires in {{ item.expires_in_days }} days"
  loop: "{{ query('iotpki.certificates.iotda_certificate', 'cert-id-1', 'cert-id-2', kind='device') }}"

- name: Every CA certificate of the project (connection from the IOTDA_* environment)
  ansible.builtin.set_fact:
    ca_certificates: "{{ query('iotpki.certificates.iotda_certificate') }}"

- name: Device certificates expiring within 30 days, with the connection from variables
  vars:
    iotda_endpoint: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com
    iotda_project_id: 0123456789abcdef0123456789abcdef
  ansible.builtin.debug:
    msg: "{{ query('iotpki.certificates.iotda_certificate', kind='device', expiring_within_days=30) | map(attribute='common_name') }}"
"""

RETURN = r"""
_raw:
  description:
    - The certificate records, in the order of the terms, or newest first for a listing. The keys are those of
      RV(iotpki.certificates.iotda_certificate_info#module:certificates), including C(expires_in_days).
  type: list
  elements: dict
"""

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import RUN_CONTROL_SPEC, run_controls
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import READ_OPTIONS, read, read_query
from ansible_collections.iotpki.certificates.plugins.plugin_utils._iotda_lookup import IotdaLookupBase, display, lookup_errors


class LookupModule(IotdaLookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_iotda_options(variables, kwargs)
        ids = [str(value) for term in terms or [] for value in (term if isinstance(term, (list, tuple)) else [term])]
        with lookup_errors():
            query = read_query(ids, **{name: self.get_option(name) for name in READ_OPTIONS})
            controls = run_controls({name: self.get_option(name) for name in RUN_CONTROL_SPEC})
            found = read(self.iotda_client(), query, missing_ok=False, controls=controls,
                         progress=lambda line: display.v("iotda_certificate lookup: " + line))
            message = found.failure_message(controls.max_failures)
            if message is not None:
                raise InputError(message)
            for entry in found.failures:
                display.warning("iotda_certificate lookup: %s left out: %s" % (entry["target"], entry["msg"]))
            return found.certificates

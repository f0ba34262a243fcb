# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options of any value, from the task or the environment: the argument spec and the
clients' check end in validated values or one InputError, never another exception, and no request."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, strategies as st

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.iotpki.certificates.plugins.module_utils import _options
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import EnosClient
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient

scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=30)
env_text = st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)


@pytest.mark.parametrize("platform, client", [("iotda", IotdaClient), ("enos", EnosClient)])
@given(data=st.data())
def test_any_connection_value_is_validated_or_refused(platform, client, data):
    table = _options.PLATFORM_OPTIONS[platform]
    params = {name: data.draw(scalars, label=name) for name in table if data.draw(st.booleans(), label="give " + name)}
    environment = {env: data.draw(env_text, label=env) for name in ("timeout", "retries", "validate_certs") for env in table[name]["env"]}
    saved = {name: os.environ.get(name) for name in environment}
    try:
        for name, value in environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        result = ArgumentSpecValidator(_options.connection_argument_spec(platform)).validate({k: v for k, v in params.items() if v is not None})
        if result.error_messages:
            return  # Ansible's own refusal of a task value of the wrong type
        try:
            made = client(result.validated_parameters)
        except InputError:
            return
        assert made.http.timeout > 0 and 0 <= made.http.retries <= _options.RETRIES_MAX and made.http.request_count == 0
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

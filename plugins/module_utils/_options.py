# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection options of both platforms: the single source of truth.

Modules build their argument spec from these tables; the lookup reads the same names from its
keyword arguments, variables and environment, and validates them with the same spec. A unit test
checks that the documentation fragments say exactly what these tables say.

An environment variable that is set but empty counts as unset (AWX renders an empty optional
credential field as an empty string).

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import os
import typing as t

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

_COMMON_TRANSPORT = {
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "timeout": {"type": "float", "default": 30.0},
    "retries": {"type": "int", "default": 3},
}

IOTDA_OPTIONS: t.Dict[str, t.Dict[str, t.Any]] = {
    "endpoint": {"type": "str", "required": True, "env": ["IOTDA_ENDPOINT"]},
    "project_id": {"type": "str", "required": True, "env": ["IOTDA_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"]},
    "region": {"type": "str", "env": ["IOTDA_REGION", "HUAWEICLOUD_SDK_REGION"]},
    "access_key": {"type": "str", "no_log": False, "env": ["IOTDA_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"]},
    "secret_key": {"type": "str", "no_log": True, "env": ["IOTDA_SECRET_KEY", "HUAWEICLOUD_SDK_SK"]},
    "security_token": {"type": "str", "no_log": True, "env": ["IOTDA_SECURITY_TOKEN"]},
    "auth_token": {"type": "str", "no_log": True, "env": ["IOTDA_AUTH_TOKEN"]},
    "signing": {"type": "str", "default": "auto", "choices": ["auto", "standard", "derived"], "env": ["IOTDA_SIGNING"]},
    "instance_id": {"type": "str", "env": ["IOTDA_INSTANCE_ID"]},
}

ENOS_OPTIONS: t.Dict[str, t.Dict[str, t.Any]] = {
    "gateway_url": {"type": "str", "required": True, "env": ["ENOS_GATEWAY_URL"]},
    "access_key": {"type": "str", "required": True, "no_log": False, "env": ["ENOS_ACCESS_KEY"]},
    "secret_key": {"type": "str", "required": True, "no_log": True, "env": ["ENOS_SECRET_KEY"]},
    "org_id": {"type": "str", "required": True, "env": ["ENOS_ORG_ID"]},
}

for _prefix, _table in (("IOTDA", IOTDA_OPTIONS), ("ENOS", ENOS_OPTIONS)):
    for _name, _spec in _COMMON_TRANSPORT.items():
        _table[_name] = dict(_spec, env=["%s_%s" % (_prefix, _name.upper())])

PLATFORM_OPTIONS = {"iotda": IOTDA_OPTIONS, "enos": ENOS_OPTIONS}


def env_value(names: t.Sequence[str]) -> t.Optional[str]:
    """The first of ``names`` that is set to a non-empty value, or None."""
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def non_empty_env_fallback(*names: str) -> str:
    """Argument-spec fallback like ``env_fallback``, but an empty variable counts as unset."""
    value = env_value(names)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


def connection_argument_spec(platform: str) -> t.Dict[str, t.Dict[str, t.Any]]:
    """The argument spec of a platform's connection options, with environment fallbacks."""
    spec = {}
    for name, option in PLATFORM_OPTIONS[platform].items():
        entry = {key: value for key, value in option.items() if key != "env"}
        entry["fallback"] = (non_empty_env_fallback, list(option["env"]))
        spec[name] = entry
    return spec


def plugin_parameters(platform: str, get_option: t.Callable[[str], t.Any]) -> t.Dict[str, t.Any]:
    """Connection options as a plugin sees them, ready for the same validation as a module's.

    ``get_option`` is the plugin's resolver (keyword arguments, then variables, then environment).
    Unset and empty values are left out so the argument spec's environment fallbacks apply.
    """
    params = {}
    for name in PLATFORM_OPTIONS[platform]:
        value = get_option(name)
        if value is not None and value != "":
            params[name] = value
    return params

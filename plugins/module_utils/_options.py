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

``check_connection`` validates the values before any request (the platform clients call it, so
modules and the lookup alike): required options present and not blank, URLs with a host, ranges of
``timeout`` and ``retries``, ``ca_path`` readable. Its messages name the option and its
environment variables, because either may hold the bad value. Two argument-spec details make that
possible where Ansible's own messages would name the option only: a required option found nowhere
falls back to ``''`` (so the check, not Ansible, reports it with the variables to set), and an
environment value of a number or boolean option that does not convert is left for the check to
name (the option then holds its default).

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import functools
import math
import os
import typing as t
from urllib.parse import urlsplit

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound
from ansible.module_utils.common.validation import check_type_bool, check_type_float, check_type_int

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError

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
URL_OPTIONS = {"iotda": "endpoint", "enos": "gateway_url"}
RETRIES_MAX = 100

_CONVERTERS: t.Dict[str, t.Callable[[t.Any], t.Any]] = {"float": check_type_float, "int": check_type_int, "bool": check_type_bool}


def env_value(names: t.Sequence[str]) -> t.Optional[str]:
    """The first of ``names`` that is set to a non-empty value, or None."""
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def non_empty_env_fallback(*names: str, kind: str = "str", required: bool = False) -> str:
    """Argument-spec fallback like ``env_fallback``, but an empty variable counts as unset.

    ``required``: nothing set gives ``''`` so that ``check_connection`` reports the missing option
    with its variables. ``kind`` float/int/bool: a value that does not convert counts as unset here,
    and ``check_connection`` names the variable.
    """
    value = env_value(names)
    if value is None:
        if required:
            return ""
        raise AnsibleFallbackNotFound
    if kind in _CONVERTERS and _unconvertible(kind, value):
        raise AnsibleFallbackNotFound
    return value


def _unconvertible(kind: str, value: str) -> bool:
    try:
        _CONVERTERS[kind](value)
    except (TypeError, ValueError, ArithmeticError):  # Ansible's int check raises OverflowError for "inf"
        return True
    return False


def connection_argument_spec(platform: str) -> t.Dict[str, t.Dict[str, t.Any]]:
    """The argument spec of a platform's connection options, with environment fallbacks."""
    spec = {}
    for name, option in PLATFORM_OPTIONS[platform].items():
        entry = {key: value for key, value in option.items() if key != "env"}
        # (callable, [names]) exactly: ansible-test's argument-spec schema allows no keyword arguments here.
        strategy = functools.partial(non_empty_env_fallback, kind=option["type"], required=bool(option.get("required")))
        entry["fallback"] = (strategy, list(option["env"]))
        spec[name] = entry
    return spec


def setting(platform: str, name: str) -> str:
    """``timeout (or IOTDA_TIMEOUT)``: an option with the environment variables that can set it."""
    return "%s (or %s)" % (name, " / ".join(PLATFORM_OPTIONS[platform][name]["env"]))


def check_connection(platform: str, params: t.Mapping[str, t.Any]) -> None:
    """InputError for the first bad connection option, before any request (see the module doc)."""
    table = PLATFORM_OPTIONS[platform]
    problems = _bad_environment(table, params)
    missing = [name for name, option in table.items() if option.get("required") and not str(params.get(name) or "").strip()]
    if missing:
        problems.append("missing required %s: %s" % (
            "option" if len(missing) == 1 else "options", "; ".join(setting(platform, name) for name in missing)))
    url_option = URL_OPTIONS[platform]
    if url_option not in missing:
        problem = _url_problem(str(params.get(url_option)).strip())
        if problem:
            problems.append("%s %s" % (setting(platform, url_option), problem))
    timeout = params.get("timeout", 30.0)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not math.isfinite(timeout) or timeout <= 0:
        problems.append("%s must be a number of seconds greater than 0, got %r" % (setting(platform, "timeout"), timeout))
    retries = params.get("retries", 3)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= RETRIES_MAX:
        problems.append("%s must be a whole number from 0 to %d, got %r" % (setting(platform, "retries"), RETRIES_MAX, retries))
    ca_path = params.get("ca_path")
    if ca_path and params.get("validate_certs", True):
        if not os.path.exists(ca_path):
            problems.append("%s: %s does not exist (a PEM file of the CA that signed the endpoint's certificate)" % (setting(platform, "ca_path"), ca_path))
        elif not os.access(ca_path, os.R_OK):
            problems.append("%s: %s is not readable by the user running the task" % (setting(platform, "ca_path"), ca_path))
    if problems:
        raise InputError("%s connection: %s" % ("IoTDA" if platform == "iotda" else "EnOS", "; ".join(problems)))


def _bad_environment(table: t.Mapping[str, t.Dict[str, t.Any]], params: t.Mapping[str, t.Any]) -> t.List[str]:
    """Environment variables of number and boolean options that do not convert (the option kept its default)."""
    problems = []
    for name, option in table.items():
        kind = option["type"]
        if kind not in _CONVERTERS or params.get(name) != option.get("default"):
            continue
        variable = next((env for env in option["env"] if os.environ.get(env) not in (None, "")), None)
        if variable and _unconvertible(kind, os.environ[variable]):
            wanted = {"float": "a number of seconds", "int": "a whole number", "bool": "true or false"}[kind]
            problems.append("the environment variable %s=%r is not %s (it sets %s): fix or unset it" % (variable, os.environ[variable][:40], wanted, name))
    return problems


def _url_problem(url: str) -> t.Optional[str]:
    """Why ``url`` cannot be a platform base URL, or None (no scheme means https://)."""
    if any(char.isspace() for char in url):
        return "must not contain spaces, got %r" % url
    parts = urlsplit(url if "://" in url else "https://" + url)
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with https:// (or http://), got %r" % url
    try:
        _port = parts.port  # ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return "has an invalid port: %r" % url
    if not parts.hostname:
        return "has no host name: %r" % url
    if len(parts.hostname) > 253 or any(not 0 < len(label) <= 63 for label in parts.hostname.rstrip(".").split(".")):
        return "has a host name that cannot exist (empty label, a label over 63 or a name over 253 characters): %r" % url
    if parts.query or parts.fragment:
        return "must be a base URL without ?query or #fragment, got %r" % url
    return None


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

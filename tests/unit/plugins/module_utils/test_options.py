# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One source of truth: the option tables, the module docs and the lookup docs say the same thing."""

from __future__ import annotations

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.iotpki.certificates.plugins.doc_fragments import enos as enos_doc
from ansible_collections.iotpki.certificates.plugins.doc_fragments import iotda as iotda_doc
from ansible_collections.iotpki.certificates.plugins.module_utils import _options
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError


@pytest.mark.parametrize("platform, fragment", [("iotda", iotda_doc), ("enos", enos_doc)])
def test_module_fragment_matches_table(platform, fragment):
    documented = yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)["options"]
    table = _options.PLATFORM_OPTIONS[platform]
    assert sorted(documented) == sorted(table)
    for name, option in table.items():
        doc = documented[name]
        assert doc["type"] == option["type"], name
        assert doc.get("required", False) == option.get("required", False), name
        assert doc.get("default") == option.get("default"), name
        assert doc.get("choices") == option.get("choices"), name
        text = " ".join(doc["description"])
        for env in option["env"]:
            assert "E(%s)" % env in text, (name, env)


def test_plugin_fragment_env_and_vars_come_from_the_table():
    documented = yaml.safe_load(iotda_doc.ModuleDocFragment.PLUGINS)["options"]
    assert sorted(documented) == sorted(_options.IOTDA_OPTIONS)
    for name, option in _options.IOTDA_OPTIONS.items():
        assert [entry["name"] for entry in documented[name]["env"]] == option["env"]
        assert [entry["name"] for entry in documented[name]["vars"]] == ["iotda_%s" % name]


def test_every_secret_is_no_log_and_access_keys_are_not():
    for table in _options.PLATFORM_OPTIONS.values():
        for name, option in table.items():
            secret = name in ("secret_key", "security_token", "auth_token")
            assert option.get("no_log", False) is secret, name


def test_empty_environment_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("IOTDA_PROJECT_ID", "")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "p-from-sdk")
    monkeypatch.setenv("IOTDA_ENDPOINT", "https://iotda.cn-north-4.myhuaweicloud.com")
    monkeypatch.setenv("IOTDA_VALIDATE_CERTS", "false")
    monkeypatch.setenv("IOTDA_TIMEOUT", "")
    result = ArgumentSpecValidator(_options.connection_argument_spec("iotda")).validate({})
    assert not result.error_messages, result.error_messages
    params = result.validated_parameters
    assert params["project_id"] == "p-from-sdk"
    assert params["validate_certs"] is False and params["timeout"] == 30.0


def test_plugin_parameters_drop_unset_values_so_env_applies(monkeypatch):
    monkeypatch.setenv("IOTDA_ENDPOINT", "https://from-env")
    values = {"endpoint": "", "project_id": "p1", "retries": 5}
    params = _options.plugin_parameters("iotda", values.get)
    assert params == {"project_id": "p1", "retries": 5}
    result = ArgumentSpecValidator(_options.connection_argument_spec("iotda")).validate(params)
    assert result.validated_parameters["endpoint"] == "https://from-env"


def _validated(platform, params=None):
    result = ArgumentSpecValidator(_options.connection_argument_spec(platform)).validate(params or {})
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def test_missing_required_options_name_their_environment_variables(monkeypatch):
    for name in ("ENOS_GATEWAY_URL", "ENOS_ACCESS_KEY", "ENOS_SECRET_KEY", "ENOS_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    params = _validated("enos", {"access_key": "ak", "secret_key": "sk"})
    with pytest.raises(InputError) as caught:
        _options.check_connection("enos", params)
    assert str(caught.value) == ("EnOS connection: missing required options: gateway_url (or ENOS_GATEWAY_URL); "
                                 "org_id (or ENOS_ORG_ID)")


@pytest.mark.parametrize("params, expected", [
    ({"project_id": ""}, "missing required option: project_id (or IOTDA_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID)"),
    ({"project_id": "   "}, "missing required option: project_id (or IOTDA_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID)"),
    ({"timeout": -1}, "timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0, got -1.0"),
    ({"timeout": 0}, "timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0, got 0.0"),
    ({"timeout": "nan"}, "timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0, got nan"),
    ({"retries": -1}, "retries (or IOTDA_RETRIES) must be a whole number from 0 to 100, got -1"),
    ({"endpoint": "ftp://h"}, "endpoint (or IOTDA_ENDPOINT) must start with https:// (or http://), got 'ftp://h'"),
    ({"endpoint": "https://"}, "endpoint (or IOTDA_ENDPOINT) has no host name: 'https://'"),
    ({"endpoint": "https://h:99999"}, "endpoint (or IOTDA_ENDPOINT) has an invalid port: 'https://h:99999'"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path (or IOTDA_CA_PATH): /nonexistent/ca.pem does not exist"),
])
def test_bad_connection_values_fail_naming_option_and_variables(monkeypatch, params, expected):
    monkeypatch.delenv("HUAWEICLOUD_SDK_PROJECT_ID", raising=False)
    values = dict({"endpoint": "https://iotda.cn-north-4.myhuaweicloud.com", "project_id": "p1"}, **params)
    monkeypatch.setenv("IOTDA_PROJECT_ID", "")
    with pytest.raises(InputError) as caught:
        _options.check_connection("iotda", _validated("iotda", values))
    assert expected in str(caught.value)


@pytest.mark.parametrize("variable, value, option", [
    ("IOTDA_TIMEOUT", "abc", "timeout"), ("IOTDA_RETRIES", "3.5", "retries"), ("IOTDA_RETRIES", "INF", "retries"),
    ("IOTDA_VALIDATE_CERTS", "maybe", "validate_certs"),
])
def test_an_unreadable_environment_value_names_its_variable(monkeypatch, variable, value, option):
    monkeypatch.setenv(variable, value)
    params = _validated("iotda", {"endpoint": "https://h", "project_id": "p1"})  # Ansible itself does not fail
    with pytest.raises(InputError) as caught:
        _options.check_connection("iotda", params)
    assert "the environment variable %s=%r" % (variable, value) in str(caught.value) and "(it sets %s)" % option in str(caught.value)


def test_a_task_value_beats_an_unreadable_environment_value(monkeypatch):
    monkeypatch.setenv("IOTDA_TIMEOUT", "abc")
    _options.check_connection("iotda", _validated("iotda", {"endpoint": "https://h", "project_id": "p1", "timeout": 5}))


def test_good_values_pass(monkeypatch, tmp_path):
    monkeypatch.setenv("IOTDA_TIMEOUT", "1.5")
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    params = _validated("iotda", {"endpoint": "iotda.cn-north-4.myhuaweicloud.com:443", "project_id": "p1", "ca_path": str(ca), "retries": 0})
    _options.check_connection("iotda", params)
    assert params["timeout"] == 1.5

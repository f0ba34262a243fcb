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


def test_missing_required_option_is_reported(monkeypatch):
    for name in ("ENOS_GATEWAY_URL", "ENOS_ACCESS_KEY", "ENOS_SECRET_KEY", "ENOS_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    result = ArgumentSpecValidator(_options.connection_argument_spec("enos")).validate({})
    assert any("missing required arguments" in message for message in result.error_messages)

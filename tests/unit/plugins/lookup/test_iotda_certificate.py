# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The iotda_certificate lookup: its documented options are the modules' option table, options
resolve as documented (keyword argument, then variable, then environment), and failures are one-line
AnsibleLookupErrors without secrets."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates every string
    def trust_as_template(value):
        return value

from ansible_collections.iotpki.certificates.plugins.lookup import iotda_certificate
from ansible_collections.iotpki.certificates.plugins.module_utils import _options
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient
from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import RUN_CONTROL_SPEC
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import READ_OPTIONS
from ansible_collections.iotpki.certificates.plugins.plugin_utils import _iotda_lookup

NAME = "iotpki.certificates.iotda_certificate"
SECRET = "sk-lookup-very-secret"

# The plugin loader must own the ansible_collections package to resolve doc fragments, so the
# documentation is read in a fresh interpreter, exactly as ansible-doc and the lookup loader read it.
_DOC_DUMP = """
import json, sys
from ansible.plugins.loader import init_plugin_loader, fragment_loader
init_plugin_loader([sys.argv[1]])
from ansible.utils.plugin_docs import get_docstring
from ansible_collections.iotpki.certificates.plugins.lookup import iotda_certificate
doc = get_docstring(iotda_certificate.__file__, fragment_loader, collection_name="iotpki.certificates")[0]
print(json.dumps(doc["options"], default=str))
"""


@pytest.fixture(scope="module")
def documented():
    """The lookup's options after its doc fragments (iotpki.certificates.iotda + .plugins) are merged."""
    collections_root = pathlib.Path(iotda_certificate.__file__).parents[5]
    out = subprocess.run([sys.executable, "-c", _DOC_DUMP, str(collections_root)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.fixture
def lookup(documented, monkeypatch):
    """A LookupModule configured from its real documentation, with a clean IoTDA environment."""
    for option in _options.IOTDA_OPTIONS.values():
        for env in option["env"]:
            monkeypatch.delenv(env, raising=False)
    C.config.initialize_plugin_configuration_definitions("lookup", NAME, documented)
    plugin = iotda_certificate.LookupModule()
    plugin._load_name = NAME
    plugin.ansible_name = NAME
    return plugin


class Platform:
    """Records every request with the client's connection settings; answers from a small store."""

    def __init__(self, monkeypatch, fail=None):
        self.calls = []
        self.clients = []
        self.fail = fail
        platform = self

        def request(client, method, path, query=None, body=None, idempotent=None):
            platform.calls.append((method, path, dict(query or [])))
            platform.clients.append(client)
            if platform.fail:
                raise platform.fail
            if path.count("/") == 2:
                return {"certificate_id": path.rsplit("/", 1)[1], "expiry_date": "20990101T000000Z", "certificate_pem": "PEM"}
            key = "certificates" if path == "/certificates" else "device_certificates"
            return {key: [{"certificate_id": "%024x" % n, "expiry_date": "20990101T000000Z"} for n in (3, 2, 1)], "page": {"count": 3}}

        monkeypatch.setattr(IotdaClient, "request", request)


CONNECTION = {"endpoint": "http://kw.example", "project_id": "p-kw", "region": "cn-north-4", "access_key": "AK", "secret_key": SECRET}


# --- one source of truth for the options --------------------------------------------------------


def test_connection_options_are_the_modules_table(documented):
    for name, option in _options.IOTDA_OPTIONS.items():
        doc = documented[name]
        assert [entry["name"] for entry in doc["env"]] == option["env"], name
        assert [entry["name"] for entry in doc["vars"]] == ["iotda_%s" % name], name
        assert doc["type"] == option["type"], name
        assert doc.get("default") == option.get("default"), name
        assert doc.get("choices") == option.get("choices"), name
        assert doc.get("required", False) == option.get("required", False), name


def test_read_options_are_the_info_modules(documented):
    assert set(documented) == set(_options.IOTDA_OPTIONS) | set(READ_OPTIONS) | set(RUN_CONTROL_SPEC) | {"_terms"}
    for name, option in dict(READ_OPTIONS, **RUN_CONTROL_SPEC).items():
        doc = documented[name]
        assert (doc["type"], doc.get("default"), doc.get("choices")) == (option["type"], option.get("default"), option.get("choices")), name


# --- option resolution ------------------------------------------------------------------------------


def test_keyword_arguments_win_over_variables_over_environment(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    monkeypatch.setenv("IOTDA_ENDPOINT", "http://env.example")
    monkeypatch.setenv("IOTDA_PROJECT_ID", "p-env")
    monkeypatch.setenv("IOTDA_REGION", "cn-north-4")
    monkeypatch.setenv("IOTDA_ACCESS_KEY", "AK")
    monkeypatch.setenv("IOTDA_SECRET_KEY", SECRET)
    monkeypatch.setenv("IOTDA_RETRIES", "1")
    variables = {"iotda_endpoint": "http://vars.example", "iotda_project_id": "p-vars"}

    lookup.run([], {})
    lookup.run([], variables)
    lookup.run([], variables, endpoint="http://kw.example")
    seen = [(client.http.base_url, client.project_id, client.http.retries) for client in platform.clients]
    assert seen == [("http://env.example", "p-env", 1), ("http://vars.example", "p-vars", 1), ("http://kw.example", "p-vars", 1)]


def test_empty_environment_is_unset_and_the_first_variable_wins(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    monkeypatch.setenv("IOTDA_ENDPOINT", "http://env.example")
    monkeypatch.setenv("IOTDA_REGION", "cn-north-4")
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "AK")
    monkeypatch.setenv("IOTDA_SECRET_KEY", SECRET)
    monkeypatch.setenv("IOTDA_SIGNING", "")  # AWX sends empty optional fields: not an invalid choice
    monkeypatch.setenv("IOTDA_TIMEOUT", "")
    monkeypatch.setenv("IOTDA_PROJECT_ID", "")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "p-sdk")
    lookup.run([], {})
    monkeypatch.setenv("IOTDA_PROJECT_ID", "p-iotda")  # both set: the table's order, as for modules
    lookup.run([], {})
    assert [client.project_id for client in platform.clients] == ["p-sdk", "p-iotda"]
    assert platform.clients[0].access_key == "AK" and platform.clients[0].auth_mode == "derived"


def _playbook_variables(lookup, variables):
    """``variables`` as a play hands them to a lookup: strings from a playbook are templates (trusted
    as such on ansible-core 2.19+), and the lookup's templar sees the same variables."""
    variables = {name: trust_as_template(value) if isinstance(value, str) else value for name, value in variables.items()}
    lookup._templar = Templar(loader=DataLoader(), variables=variables)
    return variables


def test_variables_that_are_templates_are_templated(lookup, monkeypatch):
    """The vault indirection of group_vars (issue 434 of community.hashi_vault): every option, free text or choice."""
    platform = Platform(monkeypatch)
    monkeypatch.setenv("IOTDA_SECRET_KEY", "sk-of-the-environment")
    variables = _playbook_variables(lookup, {
        "vault_iotda_secret_key": SECRET, "vault_endpoint": "http://vars.example", "signing_choice": "standard",
        "iotda_secret_key": "{{ vault_iotda_secret_key }}", "iotda_endpoint": "{{ vault_endpoint }}",
        "iotda_signing": "{{ signing_choice }}", "iotda_retries": "{{ 1 + 1 }}",
        "iotda_project_id": "p-vars", "iotda_access_key": "AK",
    })
    lookup.run([], variables)
    client = platform.clients[0]
    assert (client.http.base_url, client.secret_key, client.auth_mode, client.http.retries) == ("http://vars.example", SECRET, "standard", 2)


def test_a_variable_that_cannot_be_templated_names_the_variable_not_its_value(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    variables = _playbook_variables(lookup, {"iotda_secret_key": "{{ vault_iotda_secret_key_undefined }}"})
    with pytest.raises(AnsibleLookupError, match="iotda_secret_key") as caught:
        lookup.run([], variables, **dict(CONNECTION, secret_key=None))
    assert "\n" not in str(caught.value)
    assert platform.calls == []


def test_keyword_arguments_win_over_templated_variables(lookup, monkeypatch):
    """On ansible-core 2.17 the keyword arguments were once lost in favour of the environment."""
    platform = Platform(monkeypatch)
    for name, value in CONNECTION.items():
        monkeypatch.setenv("IOTDA_" + name.upper(), "env-" + value)
    variables = _playbook_variables(lookup, {"vault_endpoint": "http://vars.example", "iotda_endpoint": "{{ vault_endpoint }}"})
    lookup.run([], variables, **CONNECTION)
    client = platform.clients[0]
    assert (client.http.base_url, client.project_id, client.access_key, client.secret_key) == (
        CONNECTION["endpoint"], CONNECTION["project_id"], CONNECTION["access_key"], SECRET)


def test_missing_required_option_fails_before_any_request(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    monkeypatch.setenv("IOTDA_ENDPOINT", "")
    with pytest.raises(AnsibleLookupError, match="endpoint"):
        lookup.run([], {}, project_id="p1")
    assert platform.calls == []


def test_missing_credentials_fail_cleanly(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    with pytest.raises(AnsibleLookupError, match="IoTDA credentials missing"):
        lookup.run([], {}, endpoint="http://kw.example", project_id="p1")
    assert platform.calls == []


def test_bad_read_options_fail_before_any_request(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    with pytest.raises(AnsibleLookupError, match="app_id only applies to kind=ca"):
        lookup.run([], {}, kind="device", app_id="space-a", **CONNECTION)
    with pytest.raises(AnsibleLookupError, match="fingerprint must be"):
        lookup.run([], {}, kind="device", fingerprint="zz", **CONNECTION)
    assert platform.calls == []


# --- reads ----------------------------------------------------------------------------------------


def test_terms_are_ids_read_with_show_calls_in_order(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    result = lookup.run(["b1", ["a2", "c3"]], {}, kind="device", **CONNECTION)
    assert [item["certificate_id"] for item in result] == ["b1", "a2", "c3"]
    assert all("certificate_pem" not in item and item["expires_in_days"] > 0 for item in result)
    assert [call[1] for call in platform.calls] == ["/device-certificates/b1", "/device-certificates/a2", "/device-certificates/c3"]
    result = lookup.run(["b1"], {}, kind="device", include_content=True, **CONNECTION)
    assert result[0]["certificate_pem"] == "PEM"


def test_no_terms_lists_every_certificate_of_the_kind(lookup, monkeypatch):
    platform = Platform(monkeypatch)
    assert len(lookup.run([], {}, **CONNECTION)) == 3
    assert platform.calls[-1] == ("GET", "/certificates", {"limit": 50})
    assert len(lookup.run([], {}, kind="device", common_name="meter-", **CONNECTION)) == 3
    assert platform.calls[-1] == ("GET", "/device-certificates", {"common_name": "meter-", "limit": 50})


def test_api_error_is_a_one_line_lookup_error_without_secret(lookup, monkeypatch):
    error = ApiError("IoTDA", "GET", "http://kw.example/v5/iot/p-kw/certificates?limit=50", "Authentication failed.", 401, "IOTDA.000002", "req-1")
    Platform(monkeypatch, fail=error)
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run([], {}, **CONNECTION)
    message = str(caught.value)
    assert message == str(error)
    assert "HTTP 401" in message and "IOTDA.000002" in message and "req-1" in message
    assert SECRET not in message and "\n" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_missing_requests_names_the_library(lookup, monkeypatch):
    monkeypatch.setattr(_iotda_lookup, "HAS_REQUESTS", False)
    with pytest.raises(AnsibleLookupError, match="requests"):
        lookup.run([], {}, **CONNECTION)


def test_validate_certs_false_warns(lookup, monkeypatch):
    Platform(monkeypatch)
    warnings = []
    monkeypatch.setattr(_iotda_lookup.display, "warning", warnings.append)
    lookup.run([], {}, validate_certs=False, **CONNECTION)
    assert any("validate_certs is false" in warning for warning in warnings)

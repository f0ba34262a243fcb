# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bridge between a lookup's options and the modules' IoTDA client.

A lookup resolves its options with Ansible's plugin configuration, as documented by the
``iotpki.certificates.iotda.plugins`` fragment: keyword arguments, then variables, then the
environment. The connection options then go through the same argument spec the modules use
(``_options.connection_argument_spec``: types, required options, defaults, environment fallbacks)
and build the same ``IotdaClient`` (auth, retries, errors). Failures become ``AnsibleLookupError``
with the one-line message the modules give as ``msg``.

Three rules that Ansible's plugin configuration does not follow on every supported ansible-core
are kept here:

- Keyword arguments and variables are read here, not through ``get_option_and_origin``: before
  ansible-core 2.18 that method ignores both and reports the environment's value, so a lookup
  would silently talk to the account in ``IOTDA_*`` instead of the one it was given.
- Variables are templated here (``iotda_secret_key: "{{ vault_iotda_secret_key }}"`` in
  group_vars is the usual vault indirection): ansible-core hands variable-mapped lookup options
  over untemplated.
- An empty environment variable counts as unset (Ansible would take ``IOTDA_SIGNING=""`` as an
  invalid choice), and of several variables for one option the first set one wins (Ansible takes
  the last).

So only keyword arguments and variables are taken by the lookup; the environment and the defaults
are left to the argument spec, exactly as for a module.

Note that this plugin util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.iotpki.certificates.plugins.module_utils import _options
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient

display = Display()

_ENV_NAMES = [name for option in _options.IOTDA_OPTIONS.values() for name in option["env"]]


@contextlib.contextmanager
def lookup_errors() -> t.Iterator[None]:
    """API, network and input failures as AnsibleLookupError: the one-line message, no traceback, no secret."""
    try:
        yield
    except (ApiError, InputError) as error:
        raise AnsibleLookupError(str(error)) from None


@contextlib.contextmanager
def _empty_environment_unset(names: t.Sequence[str]) -> t.Iterator[None]:
    """Hide the empty ones of ``names`` from Ansible's option resolution for the duration of the block."""
    hidden = {name: os.environ.pop(name) for name in names if os.environ.get(name) == ""}
    try:
        yield
    finally:
        os.environ.update(hidden)


class IotdaLookupBase(LookupBase):
    """A lookup that talks to IoTDA with the modules' connection options, validation and client."""

    _given_options: t.Dict[str, t.Any] = {}

    def set_iotda_options(self, variables: t.Any, kwargs: t.Dict[str, t.Any]) -> None:
        """``set_options`` from the keyword arguments and the templated variables, with the environment
        rules of the option table; bad options as AnsibleLookupError."""
        from_variables = self._option_variables(variables or {})
        self._given_options = dict(from_variables)
        self._given_options.update((name, value) for name, value in kwargs.items() if value is not None)
        var_options = {self._variable_names(name)[0]: value for name, value in from_variables.items()}
        with _empty_environment_unset(_ENV_NAMES):
            try:
                self.set_options(var_options=var_options, direct=kwargs)
            except AnsibleError as error:  # AnsibleOptionsError; a missing required option before 2.18
                raise AnsibleLookupError(str(error)) from None

    def _variable_names(self, option: str) -> t.List[str]:
        """The variables documented for ``option``, in the documented order."""
        definition = C.config.get_configuration_definitions(self.plugin_type, self._load_name).get(option) or {}
        return [entry["name"] for entry in definition.get("vars") or []]

    def _option_variables(self, variables: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
        """Option name -> templated value of its first documented variable that is set (not null, not empty)."""
        found = {}
        for option in C.config.get_configuration_definitions(self.plugin_type, self._load_name):
            for name in self._variable_names(option):
                if variables.get(name) is None:
                    continue
                value = self._template_variable(name, variables[name])
                if value is not None and value != "":
                    found[option] = value
                    break
        return found

    def _template_variable(self, name: str, value: t.Any) -> t.Any:
        """``value`` of the variable ``name`` with its templates rendered; a failure names the variable only
        (the value may be or contain a secret)."""
        if self._templar is None or not isinstance(value, str):
            return value
        try:
            return self._templar.template(value)
        except AnsibleError as error:
            raise AnsibleLookupError("cannot template the variable %s: %s" % (name, error.message)) from None

    def _given(self, name: str) -> t.Any:
        """An option's value when a keyword argument or a variable set it, else None (environment and
        defaults are the argument spec's to apply)."""
        return self._given_options.get(name)

    def iotda_client(self) -> IotdaClient:
        """The IotdaClient for the resolved connection options (call ``set_iotda_options`` first)."""
        if not HAS_REQUESTS:
            raise AnsibleLookupError(missing_required_lib("requests"))
        params = _options.plugin_parameters("iotda", self._given)
        result = ArgumentSpecValidator(_options.connection_argument_spec("iotda")).validate(params)
        if result.error_messages:
            raise AnsibleLookupError("IoTDA connection options: %s" % "; ".join(result.error_messages))
        params = result.validated_parameters
        if not params["validate_certs"]:
            display.warning("validate_certs is false: the TLS certificate of the endpoint is not verified")
        with lookup_errors():
            return IotdaClient(params, warn=display.warning)

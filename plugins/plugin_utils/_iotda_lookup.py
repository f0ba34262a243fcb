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

Two rules of the option table that Ansible's plugin configuration does not follow are kept here:
an empty environment variable counts as unset (Ansible would take ``IOTDA_SIGNING=""`` as an
invalid choice), and of several variables for one option the first set one wins (Ansible takes the
last). So only keyword arguments and variables are taken from the plugin configuration; the
environment and the defaults are left to the argument spec, exactly as for a module.

Note that this plugin util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

from ansible.errors import AnsibleLookupError, AnsibleOptionsError
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

    def set_iotda_options(self, variables: t.Any, kwargs: t.Dict[str, t.Any]) -> None:
        """``set_options`` with the environment rules of the option table; bad options as AnsibleLookupError."""
        with _empty_environment_unset(_ENV_NAMES):
            try:
                self.set_options(var_options=variables, direct=kwargs)
            except AnsibleOptionsError as error:
                raise AnsibleLookupError(str(error)) from None

    def _given(self, name: str) -> t.Any:
        """An option's value when a keyword argument or a variable set it, else None (environment and
        defaults are the argument spec's to apply)."""
        value, origin = self.get_option_and_origin(name)
        return value if origin == "Direct" or str(origin).startswith("var:") else None

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

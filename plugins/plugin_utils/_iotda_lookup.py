# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bridge between a lookup's options and the modules' IoTDA client.

A lookup resolves its options with Ansible's plugin configuration (keyword arguments, then
variables, then the environment, as documented by the ``iotpki.certificates.iotda.plugins``
fragment). This base class hands them to the same argument spec the modules use
(``_options.connection_argument_spec``: types, required options, environment fallbacks in which
an empty variable counts as unset), builds the same ``IotdaClient`` (auth, retries, errors), and
turns the collection's failures into ``AnsibleLookupError`` with the same one-line message the
modules give as ``msg``.

Note that this plugin util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import contextlib
import typing as t

from ansible.errors import AnsibleLookupError
from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.iotpki.certificates.plugins.module_utils import _options
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient

display = Display()


@contextlib.contextmanager
def lookup_errors() -> t.Iterator[None]:
    """API, network and input failures as AnsibleLookupError: the one-line message, no traceback, no secret."""
    try:
        yield
    except (ApiError, InputError) as error:
        raise AnsibleLookupError(str(error)) from None


class IotdaLookupBase(LookupBase):
    """A lookup that talks to IoTDA with the modules' connection options, validation and client."""

    def iotda_client(self) -> t.Any:
        """The IotdaClient for the resolved connection options (call ``set_options`` first)."""
        if not HAS_REQUESTS:
            raise AnsibleLookupError(missing_required_lib("requests"))
        params = _options.plugin_parameters("iotda", self.get_option)
        result = ArgumentSpecValidator(_options.connection_argument_spec("iotda")).validate(params)
        if result.error_messages:
            raise AnsibleLookupError("IoTDA connection options: %s" % "; ".join(result.error_messages))
        params = result.validated_parameters
        if not params["validate_certs"]:
            display.warning("validate_certs is false: the TLS certificate of the endpoint is not verified")
        with lookup_errors():
            return IotdaClient(params, warn=display.warning)

# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every module of the collection does the same way: argument spec with the platform's
connection options, dependency checks, client creation, and the one failure shape.

A module's ``main()`` is then: ``module = new_module(...)`` and ``run(module, story)``, where
``story(module, client)`` returns the result dict or raises ``ApiError`` / ``InputError``.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.iotpki.certificates.plugins.module_utils._options import connection_argument_spec

Story = t.Callable[[AnsibleModule, t.Any], t.Dict[str, t.Any]]


class ModuleFailure(Exception):
    """Raised by a story to fail with extra return values (for example the object it did create).

    ``error`` is positional-only, so that ``error=`` can be one of the extra return values (a custom
    ``msg`` with the ``error`` fields of an ApiError).
    """

    def __init__(self, error: Exception, /, **result: t.Any) -> None:
        super().__init__(str(error))
        self.error = error
        self.result = result


def new_module(platform: str, argument_spec: t.Dict[str, t.Any], **kwargs: t.Any) -> AnsibleModule:
    """An AnsibleModule whose spec is the module's options plus the platform's connection options."""
    spec = connection_argument_spec(platform)
    spec.update(argument_spec)
    kwargs.setdefault("supports_check_mode", True)
    module = AnsibleModule(argument_spec=spec, **kwargs)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    return module


def make_client(platform: str, module: AnsibleModule) -> t.Any:
    """The platform client for the module's connection options (fails cleanly on bad input)."""
    if not module.params.get("validate_certs", True):
        module.warn("validate_certs is false: the TLS certificate of the endpoint is not verified")
    try:
        if platform == "iotda":
            from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient

            return IotdaClient(module.params, warn=module.warn)
        from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import EnosClient

        return EnosClient(module.params, warn=module.warn)
    except InputError as error:
        module.fail_json(msg=str(error))


def fail(module: AnsibleModule, error: Exception, /, **result: t.Any) -> None:
    """Fail with the collection's one shape: ``msg``, plus ``error`` for API and network failures.

    Extra ``result`` values are returned too, and may replace ``msg`` / ``error`` (a story that adds
    context to a platform message).
    """
    fields: t.Dict[str, t.Any] = {"msg": str(error)}
    if isinstance(error, ApiError):
        fields["error"] = error.to_dict()
    fields.update(result)
    module.fail_json(**fields)


def run(module: AnsibleModule, platform: str, story: Story) -> None:
    """Create the client, tell the story, exit with its result or fail with the documented shape."""
    client = make_client(platform, module)
    try:
        result = story(module, client)
    except ModuleFailure as failure:
        fail(module, failure.error, **failure.result)
    except (ApiError, InputError) as error:
        fail(module, error)
    module.exit_json(**result)

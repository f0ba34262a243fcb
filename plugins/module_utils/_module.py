# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every module of the collection does the same way: the argument spec with the platform's
connection options, the client built once, the one failure shape, and ``changed``/``diff`` from one
comparison of records.

A module's ``main()`` is ``IotpkiModule("iotda", ARGUMENT_SPEC, ...).run(ensure)``, where
``ensure(module)`` returns the result dict or raises ``ApiError`` / ``InputError``; to fail with
extra return values (for example the CA certificate it did upload), it calls
``module.fail_from(error, msg=..., **result)`` itself.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import inspect
import typing as t

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.iotpki.certificates.plugins.module_utils._options import connection_argument_spec

# Record keys that hold a PEM: never part of a diff.
PEM_KEYS = ("content", "certificate_pem")

# Every failure a module of the collection reports is an answer for the operator, not a crash (a
# crash raises and keeps its traceback). ansible-core 2.19+ attaches the current stack to a failure
# when tracebacks are on (ANSIBLE_DISPLAY_TRACEBACK) unless ``exception`` is ""; older versions
# copy an ``exception`` key into the result, which the controller reports as "An exception
# occurred", so it is passed only where fail_json declares it. There, a failure inside an ``except``
# block still gets the stack at -vvv: run() fails after leaving its ``except`` block.
# Decided on first use: ansible-test's import sanity test replaces AnsibleModule by a stand-in
# that has no fail_json.


def _no_traceback() -> t.Dict[str, str]:
    fail_json = getattr(AnsibleModule, "fail_json", None)
    if fail_json is not None and "exception" in inspect.signature(fail_json).parameters:
        return {"exception": ""}
    return {}


class IotpkiModule(AnsibleModule):
    """An AnsibleModule of one platform: its connection options, its client, its failure shape."""

    def __init__(self, platform: str, argument_spec: t.Dict[str, t.Any], fleet: bool = False, **kwargs: t.Any) -> None:
        spec = connection_argument_spec(platform)
        if fleet:
            from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import RUN_CONTROL_SPEC

            spec.update(RUN_CONTROL_SPEC)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super().__init__(argument_spec=spec, **kwargs)
        self.platform = platform
        self._client: t.Any = None
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"))

    @property
    def client(self) -> t.Any:
        """The platform client for the connection options, built on first use (InputError on bad options)."""
        if self._client is None:
            if not self.params.get("validate_certs", True):
                self.warn("validate_certs is false: the TLS certificate of the endpoint is not verified")
            if self.platform == "iotda":
                from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient

                self._client = IotdaClient(self.params, warn=self.warn)
            else:
                from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import EnosClient

                self._client = EnosClient(self.params, warn=self.warn)
        return self._client

    def require_cryptography(self) -> None:
        """Fail with ``missing_required_lib`` unless cryptography can be imported."""
        from ansible_collections.iotpki.certificates.plugins.module_utils._x509 import HAS_CRYPTOGRAPHY

        if not HAS_CRYPTOGRAPHY:
            self.fail_json(msg=missing_required_lib("cryptography"))

    def fail_json(self, msg: str, **result: t.Any) -> t.NoReturn:  # pylint: disable=arguments-differ
        """``AnsibleModule.fail_json`` without the stack of the module (see ``_no_traceback``)."""
        super().fail_json(msg=msg, **dict(_no_traceback(), **result))

    def fail_from(self, error: Exception, msg: t.Optional[str] = None, **result: t.Any) -> t.NoReturn:
        """Fail with the collection's one shape: ``msg`` (prefixed with ``msg`` when given), plus ``error`` for API and network failures."""
        if isinstance(error, ApiError):
            result["error"] = error.to_dict()
        self.fail_json(msg="%s: %s" % (msg, error) if msg else str(error), **result)

    def run(self, ensure: t.Callable[["IotpkiModule"], t.Dict[str, t.Any]]) -> t.NoReturn:
        """Exit with what ``ensure`` returns, or fail with the documented shape (outside the ``except``
        block, so that no ansible-core version takes the expected failure for a crash)."""
        try:
            result = ensure(self)
        except (ApiError, InputError) as caught:
            error: t.Optional[Exception] = caught
        else:
            error = None
        if error is not None:
            self.fail_from(error)
        self.exit_json(**result)


def compare(before: t.Optional[t.Mapping[str, t.Any]], after: t.Optional[t.Mapping[str, t.Any]]) -> t.Tuple[bool, t.Dict[str, t.Any]]:
    """``changed`` and ``diff`` from one comparison of two records (PEM fields left out of both)."""
    shown = [{key: value for key, value in (record or {}).items() if key not in PEM_KEYS} for record in (before, after)]
    return shown[0] != shown[1], {"before": shown[0], "after": shown[1]}

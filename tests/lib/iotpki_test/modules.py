# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for ``IotpkiModule`` in unit tests of ``ensure(module)`` functions: the same
``fail_from``, a client given by the test, and failures raised as ``Failed`` instead of exiting."""

from __future__ import annotations

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._module import IotpkiModule


class Failed(Exception):
    """``fail_json`` was called: ``msg`` and the other return values in ``result``."""

    def __init__(self, result: t.Dict[str, t.Any]) -> None:
        super().__init__(result.get("msg"))
        self.msg = result.get("msg")
        self.result = result


class FakeModule:
    """Parameters from the module's argument spec (unset options None), the test's client, warnings kept."""

    fail_from = IotpkiModule.fail_from

    def __init__(self, argument_spec: t.Mapping[str, t.Any], client: t.Any, check_mode: bool = False, **params: t.Any) -> None:
        self.params = {name: spec.get("default") for name, spec in argument_spec.items()}
        self.params.update(params)
        self.client = client
        self.check_mode = check_mode
        self.warnings: t.List[str] = []

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def fail_json(self, **result: t.Any) -> t.NoReturn:
        raise Failed(result)

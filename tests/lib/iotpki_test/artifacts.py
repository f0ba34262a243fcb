# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ansible-runner leaves in its artifacts directory, for the tests that scan it for secrets."""

from __future__ import annotations

import json
import typing as t


def without_input_environment(command_json: str, envvars: t.Mapping[str, str]) -> str:
    """ansible-runner's ``artifacts/<ident>/command`` record (mode 0600) minus its copy of the input environment.

    ansible-runner itself writes the command line, working directory and the whole environment it
    started ansible-playbook with into this file. Its ``env`` is the input again (env/envvars
    merged into the process environment), not something the job produced: check that it is
    exactly that copy, and scan the rest of the record.
    """
    record = json.loads(command_json)
    env = record.pop("env")
    assert {name: env.get(name) for name in envvars} == envvars
    return json.dumps(record)

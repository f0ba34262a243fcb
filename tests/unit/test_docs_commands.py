# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The commands and words the user-facing docs teach: secrets never on an ad-hoc command line, the
simulator started on the port the next lines use, record values spelled as the records spell them.
(The README's first playbook is run for real by tests/integration/test_readme.py.)"""

from __future__ import annotations

import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
USER_DOCS = sorted([REPO / "README.md"] + list((REPO / "docs").glob("*.md")) + list((REPO / "roles").glob("*/README.md")))
# Generated from measurements (make bench, the fault matrix): their wording is their generators'.
GENERATED = {"performance.md", "reliability.md"}
SECRET_OPTIONS = ("secret_key", "auth_token", "security_token", "private_key", "password")


def shell_commands(path: pathlib.Path):
    """The shell commands of the ```sh blocks of a Markdown file, continuation lines joined."""
    blocks = re.findall(r"```(?:sh|bash|shell)\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    for block in blocks:
        yield from (line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip())


@pytest.mark.parametrize("path", USER_DOCS, ids=lambda path: str(path.relative_to(REPO)))
def test_ad_hoc_commands_take_secrets_from_the_environment(path):
    """ansible-core 2.19+ echoes the whole -a string, secrets included, in the origin of an error."""
    for command in shell_commands(path):
        if re.match(r"^(\S*/)?ansible\s", command):
            arguments = " ".join(re.findall(r"-a\s+('[^']*'|\"[^\"]*\"|\S+)", command))
            assert not [name for name in SECRET_OPTIONS if name in arguments], command


def test_getting_started_starts_the_simulator_on_the_port_it_exports():
    commands = list(shell_commands(REPO / "docs" / "getting-started.md"))
    started = [command for command in commands if "make simulator" in command or "iotpki-simulator" in command]
    assert started, "getting-started no longer starts the simulator"
    ports = {int(port) for command in started for port in re.findall(r"--port[ =](\d+)", command)}
    exported = {int(port) for command in commands if command.startswith("export")
                for port in re.findall(r"=https?://127\.0\.0\.1:(\d+)", command)}
    assert exported and ports == exported, (ports, exported)


@pytest.mark.parametrize("path", [path for path in USER_DOCS if path.name not in GENERATED], ids=lambda path: str(path.relative_to(REPO)))
def test_record_statuses_are_lower_case(path):
    """Records (results, diffs) spell enumerations in lower case; a doc quoting ACTIVE or INACTIVE as
    what the user sees would contradict the output next to it."""
    prose = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    assert not re.findall(r"`(?:ACTIVE|INACTIVE)`", prose)

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``make test`` prints and leaves behind: pip's noise dropped but not its errors, no fixed
directory left in the temporary folder."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
import quiet_pip

TOOLS = pathlib.Path(__file__).resolve().parents[1] / "tools"

FAKE_PIP = """import sys
sys.stderr.write("WARNING: Location 'file:///opt/nowhere/simple/pytest/' is ignored: it is neither a file nor a directory.\\n")
sys.stderr.write("ERROR: No matching distribution found for pytest==0.0.0\\n")
sys.stdout.write("pip arguments: %s\\n" % sys.argv[1:])
sys.exit(3)
"""


def test_quiet_pip_drops_missing_locations_and_keeps_errors_and_exit_code(tmp_path, monkeypatch, capfd):
    fake = tmp_path / "fake-python"
    fake.write_text("#!%s\n%s" % (sys.executable, FAKE_PIP.replace("import sys", "import sys\nsys.argv[1:3] = []", 1)), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(quiet_pip.sys, "executable", str(fake))
    assert quiet_pip.main(["install", "--quiet", "pytest==0.0.0"]) == 3
    out, err = capfd.readouterr()
    assert "Location" not in err
    assert "ERROR: No matching distribution found for pytest==0.0.0" in err
    assert "'install', '--quiet', 'pytest==0.0.0'" in out


def test_the_docs_generator_leaves_no_ansible_home_behind():
    pytest.importorskip("antsibull_docs_parser")
    code = "import gen_plugin_docs as gen, os; home = gen.collections_env()['ANSIBLE_HOME']; assert os.path.isdir(home); print(home)"
    home = subprocess.run([sys.executable, "-c", code], cwd=str(TOOLS), check=True, capture_output=True, text=True).stdout.strip()
    assert home and not os.path.exists(home)


def test_ansible_lint_does_not_read_python_tests_as_modules():
    """tests/unit/plugins/modules/*.py look like modules to ansible-lint, which then warns
    "failed to assign id for ast.Tuple" on each tuple assignment; .ansible-lint excludes tests/unit/."""
    lint = pathlib.Path(sys.executable).parent / "ansible-lint"
    if not lint.exists():
        pytest.skip("ansible-lint is not installed next to this Python (the compatibility venvs)")
    repo = TOOLS.parent.parent
    completed = subprocess.run([str(lint), "--offline", "tests/unit/plugins/modules/"], cwd=str(repo),
                               capture_output=True, text=True, timeout=300, check=False)
    assert "failed to assign id" not in completed.stdout + completed.stderr
    assert completed.returncode == 0, completed.stdout + completed.stderr

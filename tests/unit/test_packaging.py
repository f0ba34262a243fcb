# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ansible-galaxy collection build`` ships what a user needs and nothing a test run leaves behind.

The tracked files are copied to a temporary tree, the leftovers of ``make test`` / ``make demo``
(caches, venvs, build output, an older tarball) are added, the tarball is built from that copy and
its member list is compared with the choice written in galaxy.yml's ``build_ignore``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

# Every member must start with one of these (or be one of the files).
SHIPPED_TREES = ("plugins/", "roles/", "meta/", "docs/", "changelogs/", "tests/simulator/iotpki_sim/")
SHIPPED_FILES = {"MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md",
                 "tests/simulator/pyproject.toml", "tests/simulator/README.md"}
# What a test run, a demo or an editable install leaves in the working tree.
LEFTOVERS = [".hypothesis/examples/x", "tests/.hypothesis/examples/x", ".build/collections/x", ".venv/bin/python3",
             ".pytest_cache/v/x", "tests/output/junit.xml", "plugins/modules/__pycache__/x.cpython-311.pyc",
             "tests/simulator/build/lib/iotpki_sim/x.py", "tests/simulator/iotpki_simulator.egg-info/PKG-INFO",
             "iotpki-certificates-0.0.1.tar.gz", "changelogs/.plugin-cache.yaml", "docs/examples/x.retry"]


def ansible_galaxy() -> str:
    candidate = pathlib.Path(sys.executable).parent / "ansible-galaxy"
    return str(candidate) if candidate.exists() else (shutil.which("ansible-galaxy") or "ansible-galaxy")


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    """The member names of the tarball built from the tracked files plus the leftovers."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout (an installed copy of the collection)")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    tree = tmp_path_factory.mktemp("build") / "ansible_collections" / "iotpki" / "certificates"
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tree / name)
    for name in LEFTOVERS:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("leftover\n", encoding="utf-8")
    output = tmp_path_factory.mktemp("tarball")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["ANSIBLE_HOME"] = str(tmp_path_factory.mktemp("ansible-home"))
    subprocess.run([ansible_galaxy(), "collection", "build", "--output-path", str(output), str(tree)],
                   check=True, capture_output=True, env=env)
    (tarball,) = output.glob("*.tar.gz")
    with tarfile.open(tarball) as archive:
        return [member.name + ("/" if member.isdir() else "") for member in archive.getmembers()]


def test_no_cache_or_build_output(members):
    assert not [name for name in members if any(part in name for part in (
        ".hypothesis", ".build", ".venv", ".pytest_cache", "__pycache__", ".pyc", "egg-info",
        "tests/output", "simulator/build", ".tar.gz", ".plugin-cache", ".retry"))]


def test_only_what_a_user_needs(members):
    files = [name for name in members if not name.endswith("/")]
    unexpected = [name for name in files if name not in SHIPPED_FILES and not name.startswith(SHIPPED_TREES)]
    assert not unexpected, "decide in galaxy.yml build_ignore whether these ship: %s" % unexpected


def test_the_collection_and_the_simulator_package_are_complete(members):
    for name in ("meta/runtime.yml", "plugins/lookup/iotda_certificate.py", "plugins/modules/iotda_ca_certificate.py",
                 "plugins/doc_fragments/iotda.py", "roles/certificate_expiry_report/tasks/main.yml",
                 "tests/simulator/pyproject.toml", "tests/simulator/iotpki_sim/__main__.py"):
        assert name in members, name
    assert not [name for name in members if name.startswith(("tests/unit", "tests/integration", "tests/simulator/tests"))]

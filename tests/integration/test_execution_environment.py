# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An execution environment with the collection: what ansible-builder makes of meta/execution-environment.yml.

Offline and without a container engine: the collection is built into a tarball, an
execution-environment.yml (version 3) installs it from that tarball, and ``ansible-builder
create`` writes the build context. The Python and system requirements of the image are only
resolved inside the container build, by the context's own ``introspect.py`` run over the
installed collections; that step is replayed here on the host (``ansible-galaxy collection
install`` of the context's requirements.yml, then the context's introspect.py), and its output
must list the collection's runtime requirements, requests and cryptography.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from harness import tool
from iotpki_test.paths import REPO

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(os.path.dirname(sys.executable), "ansible-builder")),
                                reason="ansible-builder is not installed next to this Python (tests/requirements.txt)")


def run(command, cwd, env=None):
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert completed.returncode == 0, "%s\n%s\n%s" % (" ".join(command), completed.stdout[-3000:], completed.stderr[-3000:])
    return completed.stdout


def test_collection_metadata_points_at_runtime_requirements():
    with open(os.path.join(REPO, "meta", "execution-environment.yml"), encoding="utf-8") as stream:
        meta = yaml.safe_load(stream)
    assert meta["version"] == 1
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    with open(os.path.join(REPO, "meta", "ee-requirements.txt"), encoding="utf-8") as stream:
        names = sorted(line.split(">")[0].split("=")[0].strip() for line in stream if line.strip() and not line.startswith("#"))
    assert names == ["cryptography", "requests"]


def test_ansible_builder_create_and_introspect(tmp_path):
    # Neither ANSIBLE_* nor PYTHONPATH: with the working tree importable, ansible-galaxy would call the
    # collection "already installed" and skip the builder stage's install.
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_") and key != "PYTHONPATH"}
    env["ANSIBLE_HOME"] = str(tmp_path / "ansible-home")
    env["ANSIBLE_NOCOLOR"] = "1"
    galaxy = tool("ansible-galaxy")

    # The collection as it would be published.
    run([galaxy, "collection", "build", REPO, "--output-path", str(tmp_path)], cwd=str(tmp_path), env=env)
    tarballs = [name for name in os.listdir(tmp_path) if name.startswith("iotpki-certificates-") and name.endswith(".tar.gz")]
    assert len(tarballs) == 1
    tarball = tarballs[0]

    # A minimal execution environment definition that installs it.
    (tmp_path / "requirements.yml").write_text(yaml.safe_dump(
        {"collections": [{"name": "collections/" + tarball, "type": "file"}]}), encoding="utf-8")
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump({
        "version": 3,
        "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
        "dependencies": {"galaxy": "requirements.yml", "ansible_core": {"package_pip": "ansible-core"},
                         "ansible_runner": {"package_pip": "ansible-runner"}},
        "additional_build_files": [{"src": tarball, "dest": "collections"}],
    }), encoding="utf-8")
    out = run([tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context", "-v", "1"],
              cwd=str(tmp_path), env=env)
    assert "Complete! The build context can be found at" in out
    build = tmp_path / "context" / "_build"
    for needed in ("requirements.yml", os.path.join("collections", tarball), os.path.join("scripts", "introspect.py")):
        assert (build / needed).is_file(), needed
    containerfile = next(p for p in ("Containerfile", "Dockerfile") if (tmp_path / "context" / p).is_file())
    assert "introspect.py introspect" in (tmp_path / "context" / containerfile).read_text(encoding="utf-8")

    # The builder stage, replayed on the host: install the collection, introspect its requirements.
    collections = tmp_path / "installed"
    run([galaxy, "collection", "install", "--offline", "--force", "-r", "requirements.yml", "-p", str(collections)],
        cwd=str(build), env=env)
    out = run([sys.executable, str(build / "scripts" / "introspect.py"), "introspect", "--sanitize",
               "--write-pip", str(tmp_path / "requirements.txt"), "--write-bindep", str(tmp_path / "bindep.txt"),
               str(collections)], cwd=str(tmp_path), env=env)
    python_requirements = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "requests>=2.25.0  # from collection iotpki.certificates" in python_requirements, out
    assert "cryptography>=3.4  # from collection iotpki.certificates" in python_requirements, out
    bindep = tmp_path / "bindep.txt"  # no system packages needed: not written, or empty
    assert not bindep.exists() or bindep.read_text(encoding="utf-8").strip() == ""

"""The package on its own: installed into a fresh virtual environment, and started without its dependency."""

from __future__ import annotations

import os
import subprocess
import sys
import venv

import pytest

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _isolated_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}


def _first_line(command: list[str]) -> str:
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=_isolated_env()) as proc:
        try:
            return proc.stdout.readline().strip()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.timeout_budget(60)
def test_pip_install_into_fresh_venv(tmp_path):
    """pip install tests/simulator into a new venv, then the console script starts and prints its URL."""
    target = tmp_path / "simvenv"
    venv.create(target, with_pip=True)
    bin_dir = target / "bin"
    install = subprocess.run([str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check", PACKAGE],
                             capture_output=True, text=True, env=_isolated_env(), timeout=120, check=False)
    assert install.returncode == 0, install.stderr[-3000:]
    assert _first_line([str(bin_dir / "iotpki-simulator"), "--port", "0"]).startswith(
        "simulator listening on http://127.0.0.1:")
    version = subprocess.run([str(bin_dir / "iotpki-simulator"), "--version"], capture_output=True, text=True,
                             env=_isolated_env(), check=True).stdout
    assert version.startswith("iotpki-simulator ")


def test_missing_cryptography_is_explained(tmp_path):
    """Without cryptography: one clear line saying what to install, exit status 2, no traceback."""
    target = tmp_path / "bare"
    venv.create(target, with_pip=False)
    env = dict(_isolated_env(), PYTHONPATH=PACKAGE)
    run = subprocess.run([str(target / "bin" / "python"), "-m", "iotpki_sim", "--port", "0"], capture_output=True,
                         text=True, env=env, timeout=30, check=False)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "'cryptography' is not installed" in run.stderr and "pip install" in run.stderr
    assert sys.version.split()[0][:4] in run.stderr

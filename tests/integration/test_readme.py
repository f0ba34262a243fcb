# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's first playbook runs as written, with only the connection in the environment as the
README says (the harness exports IOTDA_PROJECT_ID, IOTDA_ACCESS_KEY, IOTDA_SECRET_KEY...). Only the
endpoint and the fingerprint, which name a real account's host and certificate, are replaced by the
simulator's."""

from __future__ import annotations

import pathlib
import re

import yaml

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def first_playbook():
    return re.search(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)


def test_first_playbook_runs_as_written(run_playbook, sim, tmp_path):
    text = first_playbook()
    play = yaml.safe_load(text)[0]
    endpoint = play["module_defaults"]["group/iotpki.certificates.iotda"]["endpoint"]
    fingerprint = play["tasks"][0]["iotpki.certificates.iotda_device_certificate"]["fingerprint"]
    seeded = sim.seed_device_certificates(generate={"count": 1, "common_name_prefix": "readme-", "status": "ACTIVE"})["created"][0]
    path = tmp_path / "first.yml"
    path.write_text(text.replace(endpoint, sim.url).replace(fingerprint, seeded["fingerprint"]), encoding="utf-8")

    run = run_playbook(str(path))
    assert run.changed == 1
    assert run_playbook(str(path)).changed == 0
    state = {item["certificate_id"]: item for item in sim.state()["iotda"]["device_certificates"]}
    assert state[seeded["certificate_id"]]["status"] == "INACTIVE"

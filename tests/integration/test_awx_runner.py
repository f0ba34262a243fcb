# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A job run the way AWX runs it: ansible-runner, credentials injected as environment variables.

The credentials are the simulator's. They are injected the way an AWX custom credential injects
them: the injectors of the credential types shipped in docs/awx/ are rendered here like AWX
renders them (sandboxed Jinja, empty fields left out, file injectors written to
``<private_data_dir>/env/``), and the resulting variables are written to ``env/envvars`` only.
The playbook carries the rest through ``module_defaults`` groups.

After the job, every file of the private data directory (the job's artifacts: stdout,
job_events/*.json, command, status, rc, ...; and the project, inventory and env inputs) is
scanned for the secret values, their base64 forms and EnOS access tokens. The one file
allowed to hold secrets is ``env/envvars``, the input this test wrote itself: AWX keeps
credentials in its own encrypted store and hands them to the job the same way, so that file is
not an output of the job. One more place holds them, and not because of the collection:
ansible-runner records the environment it started ansible-playbook with in
``artifacts/<ident>/command`` (mode 0600). That ``env`` entry is checked to be exactly the input
again and left out of the scan; the rest of that file is scanned. (AWX stores only a sanitised
copy of the job environment, secrets replaced, and removes the private data directory after the
job.)
"""

from __future__ import annotations

import os
import sys
import tempfile
import textwrap

import certifi
import pytest
import yaml

from harness import SecretScanner, tool
from iotpki_test.artifacts import without_input_environment
from iotpki_test.paths import REPO, collections_root

ansible_runner = pytest.importorskip("ansible_runner")
sandbox = pytest.importorskip("jinja2.sandbox")

CREDENTIAL_TYPES = os.path.join(REPO, "docs", "awx")

PLAYBOOK = textwrap.dedent("""\
    ---
    - name: AWX job template against IoTDA and EnOS
      hosts: localhost
      gather_facts: false
      module_defaults:
        group/iotpki.certificates.iotda:
          retries: 1
          timeout: 20
        group/iotpki.certificates.enos:
          retries: 1
          timeout: 20
      tasks:
        - name: List the device certificates
          iotpki.certificates.iotda_certificate_info:
            kind: device
          register: device_certs

        - name: Deactivate the compromised device certificate
          iotpki.certificates.iotda_device_certificate:
            certificate_id: "{{ device_certs.certificates[0].certificate_id }}"
            status: inactive

        - name: Read it back with the lookup (environment only, no module_defaults)
          ansible.builtin.set_fact:
            looked_up: "{{ lookup('iotpki.certificates.iotda_certificate', device_certs.certificates[0].certificate_id,
                                  kind='device') }}"

        - name: Revoke the EnOS certificate
          iotpki.certificates.enos_certificate_revoke:
            asset_id: awx-asset-1
            cert_sn: "{{ enos_cert_sn }}"
            reason: key_compromise

        - name: Try a certificate that does not exist (its failure is part of the scanned output)
          iotpki.certificates.iotda_device_certificate:
            certificate_id: ffffffffffffffffffff0000
            status: active
          register: missing
          failed_when: missing is not failed

        - name: Check the job
          ansible.builtin.assert:
            that:
              - looked_up.status == 'inactive'
              - missing.msg | length > 0
            quiet: true
    """)


def awx_inject(credential_type, inputs, private_data_dir):
    """The environment an AWX credential of ``credential_type`` with ``inputs`` injects.

    Mirrors AWX's CredentialType.inject_credential: empty inputs are left out of the namespace
    (so they render as empty strings), file injectors are written to <private_data_dir>/env and
    named by ``tower.filename.<name>``, env injectors are rendered in a sandboxed environment.
    """
    env_tmpl = sandbox.ImmutableSandboxedEnvironment()
    namespace = {key: value for key, value in inputs.items() if value != ""}

    class Tower:
        pass

    tower = Tower()
    tower.filename = Tower()
    namespace["tower"] = tower
    for label, template in credential_type["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=os.path.join(private_data_dir, "env"))
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(env_tmpl.from_string(template).render(**namespace))
        os.chmod(path, 0o600)
        setattr(tower.filename, label.split(".", 1)[1], path)
    env = {}
    for name, template in credential_type["injectors"]["env"].items():
        assert not name.startswith("ANSIBLE_")  # AWX refuses those
        env[name] = env_tmpl.from_string(template).render(**namespace)
    return env


def load_type(name):
    with open(os.path.join(CREDENTIAL_TYPES, name), encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def test_awx_job_through_ansible_runner(sim, tmp_path, monkeypatch):
    # Nothing of the caller's environment may reach the job but what an AWX job would get.
    for name in list(os.environ):
        if name.startswith(("ANSIBLE_", "IOTDA_", "ENOS_", "HUAWEICLOUD_SDK_")):
            monkeypatch.delenv(name)

    sim.seed_device_certificates(generate={"count": 2, "common_name_prefix": "awx", "expires_in_days": 90})
    sim.seed_enos_devices([{"asset_id": "awx-asset-1"}])
    enos_cert = sim.seed_enos_certificate(asset_id="awx-asset-1", status="valid", expires_in_days=200)
    with open(sim.ca_file, encoding="utf-8") as stream:
        ca_bundle = stream.read()

    private_data_dir = tmp_path / "runner"
    for sub in ("env", "project", "inventory"):
        (private_data_dir / sub).mkdir(parents=True)
    (private_data_dir / "project" / "awx_job.yml").write_text(PLAYBOOK, encoding="utf-8")
    (private_data_dir / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable, encoding="utf-8")

    # The two credentials attached to the job template. Optional fields left empty, as AWX has them.
    envvars = {}
    envvars.update(awx_inject(load_type("iotda-credential-type.yml"), {
        "endpoint": sim.https_url, "project_id": sim.iotda_project_id, "region": sim.iotda_region,
        "access_key": sim.iotda_access_key, "secret_key": sim.iotda_secret_key,
        "security_token": "", "auth_token": "", "signing": "", "instance_id": "", "ca_bundle": ca_bundle,
    }, str(private_data_dir)))
    envvars.update(awx_inject(load_type("enos-credential-type.yml"), {
        "gateway_url": sim.https_url, "org_id": sim.enos_org_id, "access_key": sim.enos_access_key,
        "secret_key": sim.enos_secret_key, "ca_bundle": ca_bundle,
    }, str(private_data_dir)))
    assert envvars["IOTDA_AUTH_TOKEN"] == "" and envvars["IOTDA_SIGNING"] == ""  # empty = unset
    assert os.path.isfile(envvars["IOTDA_CA_PATH"]) and os.path.isfile(envvars["ENOS_CA_PATH"])
    envvars_file = private_data_dir / "env" / "envvars"
    envvars_file.write_text(yaml.safe_dump(envvars), encoding="utf-8")

    result = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook="awx_job.yml",
        ident="job-1",
        verbosity=3,  # a job template at verbosity 3 (Debug)
        quiet=True,
        extravars={"enos_cert_sn": enos_cert["cert_sn"]},
        envvars={  # not credentials: where the collection is, as the execution environment has it
            "ANSIBLE_COLLECTIONS_PATH": collections_root(),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
            "PATH": os.path.dirname(tool("ansible-playbook")) + os.pathsep + os.environ.get("PATH", ""),
            # Execution environments often set a system bundle here; ca_path must still win.
            "REQUESTS_CA_BUNDLE": certifi.where(),
        },
        timeout=600,
    )
    stdout = (private_data_dir / "artifacts" / "job-1" / "stdout").read_text(encoding="utf-8", errors="replace")
    assert (result.status, result.rc) == ("successful", 0), stdout[-6000:]

    # The job did the writes, over HTTPS with the injected CA bundle.
    writes = [(r["platform"], r["method"]) for r in sim.requests() if r["write"]]
    assert writes == [("iotda", "PUT"), ("enos", "POST")]
    statuses = sorted(c["status"] for c in sim.state()["iotda"]["device_certificates"])
    assert statuses == ["ACTIVE", "INACTIVE"]

    # The scan: every file under the private data directory but the input env/envvars.
    secrets = [("IoTDA secret key", sim.iotda_secret_key), ("EnOS secret key", sim.enos_secret_key),
               ("IoTDA auth token", sim.iotda_auth_token)]
    scanner = SecretScanner(secrets)
    scanned, total_bytes, findings = [], 0, []
    for root, _dirs, files in os.walk(private_data_dir):
        for name in files:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, private_data_dir)
            if relative == os.path.join("env", "envvars"):
                continue
            with open(path, "rb") as stream:
                data = stream.read()
            scanned.append(relative)
            total_bytes += len(data)
            text = data.decode("utf-8", "replace")
            if relative == os.path.join("artifacts", "job-1", "command"):
                text = without_input_environment(text, envvars)
            findings += scanner.findings([(relative, text)])
    events = [f for f in scanned if f.startswith(os.path.join("artifacts", "job-1", "job_events"))]
    assert len(events) > 20 and "artifacts/job-1/stdout" in scanned
    print("\nAWX runner secret scan: %d files, %d bytes (%d job events), %d findings" % (
        len(scanned), total_bytes, len(events), len(findings)))
    assert findings == [], "\n".join("%s in %s: %s" % finding for finding in findings)

    # The one place the secrets are is the input file (the test's own check that the scan can see them).
    assert scanner.findings([("env/envvars", envvars_file.read_text(encoding="utf-8"))])

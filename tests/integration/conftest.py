# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest fixtures of the integration tests: real Ansible runs against the simulator.

Fixtures
--------
``sim`` (session; one simulator process per pytest-xdist worker)
    Started as ``python -m iotpki_sim --port 0 --tls`` (the tests/simulator package) with the default credentials.
    Attributes: ``url`` (HTTP), ``https_url``, ``ca_file``, ``iotda_access_key``,
    ``iotda_secret_key``, ``iotda_project_id``, ``iotda_auth_token``, ``iotda_region``,
    ``iotda_mode``, ``enos_access_key``, ``enos_secret_key``, ``enos_org_id``.
    Control methods (``/_sim`` over plain HTTP, each returns the decoded JSON answer):
    ``reset()``, ``requests(since=None)`` (list of dicts), ``clear_requests()``,
    ``config(**settings)`` (read without arguments), ``state()``, ``fault(**spec)``,
    ``faults()``, ``clear_faults()``, ``seed_device_certificates(**body)``,
    ``seed_ca_certificates(**body)``, ``seed_iotda_devices(**body)``,
    ``seed_enos_devices(devices)``, ``seed_enos_certificate(**body)``, ``expire_enos_tokens()``,
    and ``control(method, path, body=None, query=None)`` for anything else.
    The simulator is reset before every test (autouse fixture ``_reset_simulator``).

``run_playbook(name_or_path, extra_vars=None, check=False, diff=False, verbosity=0, env=None,
expect_rc=0, limit=None, secrets=(), tags=None, timeout=600)``
    Runs ``ansible-playbook`` on ``tests/integration/playbooks/<name>[.yml]`` (or a path) and
    returns a result with ``rc``, ``stdout``, ``stderr``, ``command``, ``results`` (one dict
    per task and host: ``task``, ``action``, ``host``, ``play``, ``status``, ``changed``,
    ``failed``, ``skipped``, ``ignored``, ``result``), ``stats`` (recap per host),
    ``changed`` / ``failed`` (recap sums), ``task(name, host=None)`` (the result dict of that
    task, its last run) and ``tasks(name, host=None)`` (all its records).
    ``env`` adds or (with ``None`` values) removes environment variables. ``expect_rc=None``
    accepts any rc.

``ansible_module(module, args=None, check=False, diff=False, verbosity=0, env=None,
expect_rc=0, secrets=(), timeout=600)``
    ``ansible localhost -m iotpki.certificates.<module> -a '<JSON args>'`` (a module name with a
    dot is used as is). Returns the same object plus ``result`` (the module's dict) and
    ``changed`` / ``failed`` of that result.

``extra_secrets``
    A list; strings appended to it are checked in every later run of the test, like
    ``secrets=[...]``.

Every run gets the connection variables ``IOTDA_ENDPOINT``, ``IOTDA_PROJECT_ID``,
``IOTDA_REGION``, ``IOTDA_ACCESS_KEY``, ``IOTDA_SECRET_KEY``, ``ENOS_GATEWAY_URL``,
``ENOS_ACCESS_KEY``, ``ENOS_SECRET_KEY``, ``ENOS_ORG_ID`` (HTTP URL of the simulator) and the
extra variables ``sim_url``, ``sim_https_url``, ``sim_ca_file``, ``sim_iotda_auth_token``,
``sim_iotda_region``, ``sim_iotda_project_id``, ``sim_enos_org_id``.

Every run is checked for leaks: the simulator's secret keys, the IoTDA auth token, EnOS access
tokens (recognised by their shape, the simulator never exposes them) and registered secrets,
plain or base64, must not appear in stdout, stderr or the task results. A leak fails the test.
"""

from __future__ import annotations

import pytest
from harness import AnsibleRunner, HarnessFailure, Simulator, SimulatorError
from iotpki_test.paths import collections_root


def pytest_configure(config):  # pylint: disable=unused-argument
    """Make the collection link (tests/pytest.ini puts it on the path) before any test module is imported."""
    collections_root()


@pytest.fixture(scope='session')
def sim(tmp_path_factory):
    """The simulator of this test session (one per xdist worker)."""
    simulator = Simulator(str(tmp_path_factory.mktemp('simulator')))
    try:
        simulator.start()
    except SimulatorError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def _reset_simulator(sim):
    """Every test starts with an empty simulator (data, faults, request log, settings)."""
    if not sim.running:
        pytest.fail('the simulator is not running any more:\n%s' % sim.read_stderr()[-4000:], pytrace=False)
    sim.reset()
    yield


@pytest.fixture(scope='session')
def _ansible_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp('ansible-home'))


@pytest.fixture
def extra_secrets():
    """Strings a test appends here are treated as secrets in its later runs."""
    return []


@pytest.fixture
def _runner(sim, tmp_path, _ansible_home):
    return AnsibleRunner(sim, str(tmp_path), _ansible_home)


@pytest.fixture
def run_playbook(_runner, extra_secrets):
    """Run a playbook of tests/integration/playbooks against the simulator (see the module doc)."""
    def run(name_or_path, extra_vars=None, check=False, diff=False, verbosity=0, env=None, expect_rc=0,
            limit=None, secrets=(), tags=None, timeout=600):
        try:
            return _runner.playbook(name_or_path, extra_vars=extra_vars, check=check, diff=diff,
                                    verbosity=verbosity, env=env, expect_rc=expect_rc, limit=limit,
                                    secrets=list(secrets) + extra_secrets, tags=tags, timeout=timeout)
        except HarnessFailure as exc:
            message = 'run_playbook(%r): %s' % (name_or_path, exc)
        pytest.fail(message, pytrace=False)
    return run


@pytest.fixture
def ansible_module(_runner, extra_secrets):
    """Call one module ad hoc (``ansible localhost -m ...``) against the simulator (see the module doc)."""
    def run(module, args=None, check=False, diff=False, verbosity=0, env=None, expect_rc=0, secrets=(),
            timeout=600):
        try:
            return _runner.module(module, args=args, check=check, diff=diff, verbosity=verbosity, env=env,
                                  expect_rc=expect_rc, secrets=list(secrets) + extra_secrets, timeout=timeout)
        except HarnessFailure as exc:
            message = 'ansible_module(%r): %s' % (module, exc)
        pytest.fail(message, pytrace=False)
    return run

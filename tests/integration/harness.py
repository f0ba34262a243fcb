# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration test harness: the simulator process, real ansible-playbook / ansible runs, leak checks.

The pytest fixtures in ``conftest.py`` wrap these classes; tests normally use the fixtures
(``sim``, ``run_playbook``, ``ansible_module``) and never import this module.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from iotpki_test.credentials import DEFAULT_CREDENTIALS
from iotpki_test.paths import NAME, NAMESPACE, REPO, collections_root

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
CALLBACK_PLUGINS = os.path.join(HERE, 'callback_plugins')
ANSIBLE_CFG = os.path.join(HERE, 'ansible.cfg')
INVENTORY = os.path.join(HERE, 'inventory')
RESULTS_CALLBACK = 'iotpki_results'

FQCN_PREFIX = '%s.%s.' % (NAMESPACE, NAME)

# The simulator package of this clone (tests/simulator; the venv also has it installed), as `make simulator` runs it.
SIMULATOR_COMMAND = [sys.executable, '-m', 'iotpki_sim']
SIMULATOR_PATH = os.path.join(REPO, 'tests', 'simulator')
SIMULATOR_START_TIMEOUT = 60

DEFAULT_IOTDA_MODE = 'instance'
SECRET_CREDENTIALS = ('iotda_secret_key', 'iotda_auth_token', 'enos_secret_key')

# EnOS access tokens the simulator issues ("APIM" + 40 hex digits). The simulator never exposes
# them through its controls, so any string of that shape in Ansible's output is a leaked token.
TOKEN_PATTERNS = (re.compile(r'APIM[0-9a-f]{40}'),)

# Environment variables the parent process may carry that would change what a run sees.
_SCRUBBED_PREFIXES = ('ANSIBLE_', 'IOTDA_', 'ENOS_', 'HUAWEICLOUD_SDK_', 'IOTPKI_')
_SCRUBBED_NAMES = ('PYTHONPATH',)


def tool(name):
    """Path of an Ansible command next to the running Python (the tools' virtual environment)."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if not found:
        raise RuntimeError('%s not found next to %s or on PATH' % (name, sys.executable))
    return found


# ---------------------------------------------------------------------------------------------
# Secrets


def base64_forms(secret):
    """Base64 (standard and URL-safe) renderings of ``secret`` as it would appear inside any
    base64 text: for each of the three byte alignments, the characters that depend only on the
    secret's bytes. Forms shorter than 8 characters are left out (too likely by chance)."""
    data = secret.encode('utf-8')
    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(b'\0' * offset + data).decode('ascii')
        start = (offset * 8 + 5) // 6
        end = ((offset + len(data)) * 8) // 6
        core = encoded[start:end]
        if len(core) >= 8:
            forms.add(core)
            forms.add(core.replace('+', '-').replace('/', '_'))
    return forms


class SecretScanner:
    """Finds secrets (plain or base64) and token-shaped strings in text."""

    def __init__(self, secrets):
        self.needles = []
        for label, value in secrets:
            if not value or len(value) < 4:
                continue
            self.needles.append((label, value))
            for form in sorted(base64_forms(value)):
                self.needles.append(('%s (base64)' % label, form))

    def findings(self, streams):
        """Return ``[(label, stream name, masked excerpt)]`` for every leak in ``streams``."""
        found = []
        for stream, text in streams:
            if not text:
                continue
            for label, needle in self.needles:
                index = text.find(needle)
                if index >= 0:
                    found.append((label, stream, self.mask(_excerpt(text, index, len(needle)))))
            for pattern in TOKEN_PATTERNS:
                match = pattern.search(text)
                if match:
                    found.append(('EnOS access token', stream,
                                  self.mask(_excerpt(text, match.start(), match.end() - match.start()))))
        return found

    def mask(self, text):
        """Replace every known secret (and token) in text, for printing."""
        for label, needle in sorted(self.needles, key=lambda item: -len(item[1])):
            text = text.replace(needle, '<%s>' % label)
        for pattern in TOKEN_PATTERNS:
            text = pattern.sub('<EnOS access token>', text)
        return text


def _excerpt(text, index, length, context=80):
    start = max(0, index - context)
    return text[start:index + length + context].replace('\n', '\\n')


# ---------------------------------------------------------------------------------------------
# Simulator


class SimulatorError(RuntimeError):
    """A control call failed or the simulator did not start."""


class Simulator:
    """A simulator subprocess and a client for its ``/_sim`` control API (plain HTTP)."""

    def __init__(self, workdir, credentials=None, iotda_mode=DEFAULT_IOTDA_MODE, extra_args=()):
        self.credentials = dict(DEFAULT_CREDENTIALS, **(credentials or {}))
        self.iotda_mode = iotda_mode
        self.workdir = workdir
        self.url = None
        self.https_url = None
        self.ca_file = None
        self.output = []
        self._process = None
        self._stderr = None
        self._extra_args = list(extra_args)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __getattr__(self, name):
        # sim.iotda_secret_key, sim.enos_org_id, ... (the credentials the simulator accepts)
        credentials = self.__dict__.get('credentials') or {}
        if name in credentials:
            return credentials[name]
        raise AttributeError(name)

    @property
    def stderr_path(self):
        """The file the simulator's stderr goes to."""
        return os.path.join(self.workdir, 'simulator.stderr')

    @property
    def secrets(self):
        """``[(label, value)]`` of the credentials that must never be printed."""
        return [(name, self.credentials[name]) for name in SECRET_CREDENTIALS]

    # -- process ------------------------------------------------------------------------------

    def start(self):
        """Start the process and wait for its listening lines."""
        os.makedirs(self.workdir, exist_ok=True)
        command = SIMULATOR_COMMAND + ['--port', '0', '--tls', '--iotda-mode', self.iotda_mode]
        for name, value in sorted(self.credentials.items()):
            command += ['--' + name.replace('_', '-'), value]
        command += self._extra_args
        env = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
        env.update(PYTHONUNBUFFERED='1', PYTHONPATH=SIMULATOR_PATH)
        self._stderr = open(self.stderr_path, 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        self._process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr, text=True, start_new_session=True)
        lines = queue.Queue()
        reader = threading.Thread(target=self._read_stdout, args=(lines,), daemon=True)
        reader.start()
        deadline = time.monotonic() + SIMULATOR_START_TIMEOUT
        try:
            while self.url is None or self.https_url is None or self.ca_file is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SimulatorError('no listening lines within %d s' % SIMULATOR_START_TIMEOUT)
                try:
                    line = lines.get(timeout=min(remaining, 1.0))
                except queue.Empty:
                    if self._process.poll() is not None:
                        raise SimulatorError('exited with rc=%s' % self._process.returncode) from None
                    continue
                if line is None:
                    raise SimulatorError('closed its output (rc=%s)' % self._process.wait(10))
                self._parse_line(line)
            self.health()
        except SimulatorError as exc:
            self.stop()
            raise SimulatorError('simulator failed to start (%s): %s\nstdout:\n%s\nstderr:\n%s' % (
                ' '.join(command[:2]), exc, ''.join(self.output), self.read_stderr())) from None
        return self

    def _read_stdout(self, lines):
        for line in self._process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def _parse_line(self, line):
        match = re.match(r'^simulator listening on (http://\S+?)/?$', line.strip())
        if match and self.url is None:
            self.url = match.group(1)
            return
        match = re.match(r'^simulator listening on (https://\S+?)/?$', line.strip())
        if match:
            self.https_url = match.group(1)
            return
        match = re.match(r'^simulator CA file: (.+)$', line.strip())
        if match:
            self.ca_file = match.group(1)

    def read_stderr(self):
        """The simulator's stderr so far."""
        try:
            with open(self.stderr_path, encoding='utf-8', errors='replace') as handle:
                return handle.read()
        except OSError:
            return ''

    def stop(self):
        """Stop the process (SIGTERM, then SIGKILL after 10 s)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if process is not None and process.stdout:
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def running(self):
        """True while the process runs."""
        return self._process is not None and self._process.poll() is None

    # -- control API --------------------------------------------------------------------------

    def control(self, method, path, body=None, query=None, expect=(200, 201)):
        """Call ``/_sim<path>`` and return the decoded JSON answer."""
        url = self.url + '/_sim' + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header('Content-Type', 'application/json')
        try:
            with self._opener.open(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise SimulatorError('%s %s: %s (simulator running: %s)\n%s' % (
                method, url, exc, self.running, self.read_stderr()[-4000:])) from None
        try:
            answer = json.loads(raw.decode('utf-8')) if raw else None
        except ValueError:
            answer = raw.decode('utf-8', 'replace')
        if expect and status not in expect:
            raise SimulatorError('%s /_sim%s answered %s: %s' % (method, path, status, answer))
        return answer

    def health(self):
        """GET /_sim/health."""
        return self.control('GET', '/health')

    def reset(self):
        """Back to the startup state (data, tokens, faults, request log, settings)."""
        return self.control('POST', '/reset')

    def requests(self, since=None):
        """The request log (platform requests only), oldest first: a list of dicts."""
        query = {'since': since} if since is not None else None
        return self.control('GET', '/requests', query=query)['requests']

    def clear_requests(self):
        """Empty the request log."""
        return self.control('DELETE', '/requests')

    def config(self, **settings):
        """Without arguments the runtime settings; with arguments, change them (answers the new settings)."""
        if settings:
            return self.control('POST', '/config', body=settings)
        return self.control('GET', '/config')

    def state(self):
        """Everything the simulator holds (certificates, devices, token count)."""
        return self.control('GET', '/state')

    def fault(self, **spec):
        """Inject a fault for the next matching requests; answers ``{"id": ...}``."""
        return self.control('POST', '/faults', body=spec)

    def faults(self):
        """Pending faults."""
        return self.control('GET', '/faults')

    def clear_faults(self):
        """Drop all pending faults."""
        return self.control('DELETE', '/faults')

    def set_latency(self, seconds):
        """Add ``seconds`` to every platform answer (0 removes it; /_sim/reset restores the start value)."""
        return self.config(latency=seconds)

    def set_rate_limit(self, per_second):
        """At most ``per_second`` requests per platform in any one-second window (None: no limit)."""
        return self.config(rate_limit=per_second)

    def random_faults(self, probability, statuses=(500, 503, 429), seed=0, requests=None, **match):
        """A ``probability`` share of the matching platform answers become one of ``statuses`` (seeded),
        until cleared, or for the next ``requests`` matching requests; ``match``: platform, method, path..."""
        spec = {'persistent': True, 'probability': probability, 'status': list(statuses), 'seed': seed,
                'match': match}
        if requests is not None:
            spec['requests'] = requests
        return self.fault(**spec)

    def persistent_fault(self, status=500, **match):
        """Every matching request answers ``status`` until cleared; ``path`` may be a list (any of them)."""
        return self.fault(persistent=True, status=status, match=match)

    def show_iotda_device(self, device_id):
        """The simulator's view of one IoTDA device (secrets included), or None."""
        devices = self.state()['iotda']['devices']
        return next((device for device in devices if device['device_id'] == device_id), None)

    def seed_device_certificates(self, **body):
        """POST /_sim/iotda/device-certificates."""
        return self.control('POST', '/iotda/device-certificates', body=body)

    def seed_ca_certificates(self, **body):
        """POST /_sim/iotda/ca-certificates."""
        return self.control('POST', '/iotda/ca-certificates', body=body)

    def seed_iotda_devices(self, **body):
        """POST /_sim/iotda/devices: ``devices=[{device_id, auth_type, fingerprint, secret, ...}]`` or the
        generator form ``count=N, certificate_id=...``."""
        return self.control('POST', '/iotda/devices', body=body)

    def seed_enos_devices(self, devices):
        """POST /_sim/enos/devices with ``{"devices": devices}``."""
        return self.control('POST', '/enos/devices', body={'devices': list(devices)})

    def seed_enos_certificate(self, **body):
        """POST /_sim/enos/certificates (one spec, or ``certificates=[...]``)."""
        return self.control('POST', '/enos/certificates', body=body)

    def expire_enos_tokens(self):
        """Make every issued EnOS token expired."""
        return self.control('POST', '/enos/expire-tokens')

    # -- what Ansible gets --------------------------------------------------------------------

    def connection_env(self):
        """The connection environment variables of both platforms, pointed at this simulator."""
        return {
            'IOTDA_ENDPOINT': self.url,
            'IOTDA_PROJECT_ID': self.iotda_project_id,
            'IOTDA_REGION': self.iotda_region,
            'IOTDA_ACCESS_KEY': self.iotda_access_key,
            'IOTDA_SECRET_KEY': self.iotda_secret_key,
            'ENOS_GATEWAY_URL': self.url,
            'ENOS_ACCESS_KEY': self.enos_access_key,
            'ENOS_SECRET_KEY': self.enos_secret_key,
            'ENOS_ORG_ID': self.enos_org_id,
        }

    def extra_vars(self):
        """Variables every run gets (``-e``)."""
        return {
            'sim_url': self.url,
            'sim_https_url': self.https_url,
            'sim_ca_file': self.ca_file,
            'sim_iotda_auth_token': self.iotda_auth_token,
            'sim_iotda_region': self.iotda_region,
            'sim_iotda_project_id': self.iotda_project_id,
            'sim_enos_org_id': self.enos_org_id,
        }


# ---------------------------------------------------------------------------------------------
# Ansible runs


class RunResult:
    """What one ``ansible-playbook`` or ``ansible`` run produced.

    ``results`` holds one dict per task and host, in order: ``task`` (name), ``action``,
    ``host``, ``play``, ``status`` (ok / changed / failed / skipped / unreachable),
    ``changed``, ``failed``, ``skipped``, ``ignored`` and ``result`` (the returned values as
    callbacks see them). ``stats`` maps each host to its recap counters.
    """

    def __init__(self, command, rc, stdout, stderr, records):
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = [r for r in records if r.get('event') == 'task']
        stats = [r for r in records if r.get('event') == 'stats']
        self.stats = stats[-1]['stats'] if stats else {}

    def tasks(self, name, host=None):
        """Every record of the task called ``name`` (optionally for one host)."""
        return [r for r in self.results if r['task'] == name and (host is None or r['host'] == host)]

    def task(self, name, host=None):
        """The result dict of the task called ``name`` (its last run when it ran more than once)."""
        matches = self.tasks(name, host)
        if not matches:
            raise KeyError('no task %r in this run; tasks: %s' % (name, sorted({r['task'] for r in self.results})))
        return matches[-1]['result']

    @property
    def changed(self):
        """Sum of the ``changed`` counters of all hosts."""
        return sum(host.get('changed', 0) for host in self.stats.values())

    @property
    def failed(self):
        """Sum of the ``failures`` and ``unreachable`` counters of all hosts."""
        return sum(host.get('failures', 0) + host.get('unreachable', 0) for host in self.stats.values())

    def __repr__(self):
        return '<RunResult rc=%s tasks=%d changed=%d>' % (self.rc, len(self.results), self.changed)


class ModuleResult(RunResult):
    """One ad-hoc module call; ``result`` is the module's returned dict (``{}`` if none)."""

    def __init__(self, command, rc, stdout, stderr, records):
        super().__init__(command, rc, stdout, stderr, records)
        self.result = self.results[-1]['result'] if self.results else {}
        if not self.results:
            self.result = _parse_adhoc_stdout(stdout)

    @property
    def changed(self):
        return bool(self.result.get('changed', False))

    @property
    def failed(self):
        return bool(self.result.get('failed', False)) or self.rc != 0


def _parse_adhoc_stdout(stdout):
    match = re.search(r'^\S+ \| [A-Z!]+(?: \| rc=\d+)? => (\{.*\})\s*$', stdout, re.M | re.S)
    if not match:
        return {}
    try:
        return json.loads(match.group(1))
    except ValueError:
        return {}


class AnsibleRunner:
    """Runs ``ansible-playbook`` and ``ansible`` against a simulator, with the leak check."""

    def __init__(self, sim, workdir, ansible_home):
        self.sim = sim
        self.workdir = workdir
        self.ansible_home = ansible_home
        self.collections = collections_root()
        self._counter = 0

    def _env(self, results_file, env):
        base = {key: value for key, value in os.environ.items()
                if not key.startswith(_SCRUBBED_PREFIXES) and key not in _SCRUBBED_NAMES}
        no_proxy = ','.join(filter(None, [base.get('NO_PROXY') or base.get('no_proxy'), '127.0.0.1', 'localhost']))
        base.update({
            'ANSIBLE_CONFIG': ANSIBLE_CFG,
            'ANSIBLE_HOME': self.ansible_home,
            'ANSIBLE_COLLECTIONS_PATH': self.collections,
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'False',
            'ANSIBLE_INVENTORY': INVENTORY,
            'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_PLUGINS,
            'ANSIBLE_CALLBACKS_ENABLED': RESULTS_CALLBACK,
            'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
            'ANSIBLE_STDOUT_CALLBACK': 'default',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_HOST_KEY_CHECKING': 'False',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'IOTPKI_RESULTS_FILE': results_file,
            'NO_PROXY': no_proxy,
            'no_proxy': no_proxy,
            'PY_COLORS': '0',
        })
        base.update(self.sim.connection_env())
        for key, value in (env or {}).items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = str(value)
        return base

    def _files(self, kind):
        self._counter += 1
        stem = os.path.join(self.workdir, '%s-%03d' % (kind, self._counter))
        return stem + '.vars.json', stem + '.results.jsonl'

    def _run(self, command, results_file, env, secrets, expect_rc, timeout, result_class):
        if os.path.exists(results_file):
            os.unlink(results_file)
        try:
            completed = subprocess.run(command, cwd=REPO, env=self._env(results_file, env), stdin=subprocess.DEVNULL,
                                       capture_output=True, text=True, errors='replace', timeout=timeout, check=False)
            rc, stdout, stderr = completed.returncode, completed.stdout, completed.stderr
        except subprocess.TimeoutExpired as exc:
            rc = None
            stdout = _text(exc.stdout) + '\n[harness: killed after %s s]' % timeout
            stderr = _text(exc.stderr)
        raw_results = ''
        if os.path.exists(results_file):
            with open(results_file, encoding='utf-8') as handle:
                raw_results = handle.read()
        records = [json.loads(line) for line in raw_results.splitlines() if line.strip()]
        run = result_class(command, rc, stdout, stderr, records)

        registered = [('registered secret #%d' % (i + 1), s) for i, s in enumerate(secrets or ())]
        scanner = SecretScanner(list(self.sim.secrets) + registered)
        streams = [('stdout', stdout), ('stderr', stderr), ('results', raw_results)]
        problems = []
        for label, stream, excerpt in scanner.findings(streams):
            problems.append('SECRET LEAK: %s appears in %s: ...%s...' % (label, stream, excerpt))
        if rc is None:
            problems.append('timed out after %s s' % timeout)
        elif expect_rc is not None and rc != expect_rc:
            problems.append('rc=%s, expected %s' % (rc, expect_rc))
        if problems:
            raise HarnessFailure('\n'.join(problems) + '\n' + scanner.mask(describe(run)))
        return run

    def playbook(self, name_or_path, extra_vars=None, check=False, diff=False, verbosity=0, env=None,
                 expect_rc=0, limit=None, secrets=(), tags=None, timeout=600):
        """Run ansible-playbook; see conftest.run_playbook."""
        path = resolve_playbook(name_or_path)
        vars_file, results_file = self._files('playbook')
        variables = dict(self.sim.extra_vars(), **(extra_vars or {}))
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(variables, handle)
        command = [tool('ansible-playbook'), path, '-e', '@' + vars_file]
        command += _common_flags(check, diff, verbosity)
        if limit:
            command += ['--limit', limit]
        if tags:
            command += ['--tags', tags if isinstance(tags, str) else ','.join(tags)]
        return self._run(command, results_file, env, secrets, expect_rc, timeout, RunResult)

    def module(self, module, args=None, check=False, diff=False, verbosity=0, env=None, expect_rc=0,
               secrets=(), timeout=600):
        """Run one module ad hoc on localhost; see conftest.ansible_module."""
        name = module if '.' in module else FQCN_PREFIX + module
        vars_file, results_file = self._files('module')
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(self.sim.extra_vars(), handle)
        command = [tool('ansible'), 'localhost', '-m', name, '-e', '@' + vars_file]
        if args:
            command += ['-a', args if isinstance(args, str) else json.dumps(args)]
        command += _common_flags(check, diff, verbosity)
        return self._run(command, results_file, env, secrets, expect_rc, timeout, ModuleResult)


class HarnessFailure(AssertionError):
    """A run did not do what the test expected (rc, leak, timeout)."""


def _common_flags(check, diff, verbosity):
    flags = []
    if check:
        flags.append('--check')
    if diff:
        flags.append('--diff')
    if verbosity:
        flags.append('-' + 'v' * int(verbosity))
    return flags


def _text(value):
    if value is None:
        return ''
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value


def resolve_playbook(name_or_path):
    """A path as given when it exists, else ``tests/integration/playbooks/<name>[.yml]``."""
    candidates = [name_or_path]
    if not os.path.isabs(name_or_path):
        candidates.append(os.path.join(REPO, name_or_path))
        candidates.append(os.path.join(PLAYBOOKS, name_or_path))
        if not name_or_path.endswith(('.yml', '.yaml')):
            candidates.append(os.path.join(PLAYBOOKS, name_or_path + '.yml'))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    raise FileNotFoundError('playbook %s not found (looked at %s)' % (name_or_path, ', '.join(candidates)))


def describe(run, lines=120):
    """A readable account of a run for failure messages (the ends of stdout and stderr)."""
    def tail(text):
        parts = text.splitlines()
        cut = parts[-lines:]
        return ('[... %d lines ...]\n' % (len(parts) - len(cut)) if len(parts) > len(cut) else '') + '\n'.join(cut)

    return 'command: %s\nrc: %s\n--- stdout ---\n%s\n--- stderr ---\n%s' % (
        ' '.join(run.command), run.rc, tail(run.stdout), tail(run.stderr))

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every benchmark section shares: the simulator process, Ansible runs, timing and statistics.

Every timing is taken side by side: the contenders of a section run one after the other inside
each round, in an order that rotates from round to round, so machine noise (other engineers'
test runs on the same two cores) hits all of them alike. Figures are medians over the rounds, and
ratios are the median of the per-round ratios.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import typing as t

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CALLBACK_PLUGINS = os.path.join(HERE, 'callback_plugins')
TIMING_CALLBACK = 'iotpki_perf_timing'

# The simulator process and its control API are those of the integration test harness; its default
# credentials and the collection path those of tests/lib (`make bench` puts both on PYTHONPATH).
# pylint: disable=wrong-import-position
from harness import Simulator, SimulatorError, tool  # noqa: E402
from iotpki_test.credentials import DEFAULT_CREDENTIALS  # noqa: E402
from iotpki_test.paths import collections_root  # noqa: E402

IOTDA_ACCESS_KEY = DEFAULT_CREDENTIALS['iotda_access_key']
IOTDA_SECRET_KEY = DEFAULT_CREDENTIALS['iotda_secret_key']
IOTDA_PROJECT_ID = DEFAULT_CREDENTIALS['iotda_project_id']
IOTDA_AUTH_TOKEN = DEFAULT_CREDENTIALS['iotda_auth_token']
IOTDA_REGION = DEFAULT_CREDENTIALS['iotda_region']

_SCRUBBED_PREFIXES = ('ANSIBLE_', 'IOTDA_', 'ENOS_', 'HUAWEICLOUD_SDK_', 'IOTPKI_')

__all__ = ['Simulator', 'SimulatorError', 'collections_root', 'tool']


class BenchError(RuntimeError):
    """A benchmark could not measure what it should (a failed run, a wrong request count)."""


def log(message):
    """Progress on stderr (stdout stays free for the summary)."""
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def clean_env():
    """The caller's environment without settings that would change what a run sees."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(_SCRUBBED_PREFIXES) and key != 'PYTHONPATH'}
    no_proxy = [os.environ.get('NO_PROXY') or os.environ.get('no_proxy'), '127.0.0.1', 'localhost']
    env['NO_PROXY'] = env['no_proxy'] = ','.join(item for item in no_proxy if item)
    return env


# ---------------------------------------------------------------------------------------------
# Statistics


def median(values):
    """Median of the values (None when there are none)."""
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def ratios(numerators, denominators):
    """Per-round ratios of two contenders measured in the same rounds."""
    return [a / b for a, b in zip(numerators, denominators) if a is not None and b]


def rotated(items, round_index):
    """The contenders in this round's order (rotates by one each round)."""
    shift = round_index % len(items)
    return items[shift:] + items[:shift]


def summary(values):
    """``{median, min, max, rounds}`` of a list of measurements."""
    values = [value for value in values if value is not None]
    if not values:
        return {'median': None, 'min': None, 'max': None, 'rounds': 0}
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values), 'rounds': len(values)}


def describe_requests(entries):
    """``{count, writes, by_call: {"GET /device-certificates": n}, auth: {...}, statuses: {...}}``."""
    by_call = {}
    auth = {}
    statuses = {}
    for entry in entries:
        path = re.sub(r'^/v5/iot/[^/]+', '', entry['path'])
        path = re.sub(r'/[0-9a-f]{24}(?=/|$)', '/{id}', path)
        action = entry.get('query', {}).get('action')
        key = '%s %s%s' % (entry['method'], path, '?action=%s' % action if action else '')
        by_call[key] = by_call.get(key, 0) + 1
        auth[entry['auth']] = auth.get(entry['auth'], 0) + 1
        statuses[str(entry['status'])] = statuses.get(str(entry['status']), 0) + 1
    return {'count': len(entries), 'writes': sum(1 for entry in entries if entry.get('write')),
            'by_call': by_call, 'auth': auth, 'statuses': statuses}


# ---------------------------------------------------------------------------------------------
# Ansible runs


class AnsibleRunner:
    """Runs ansible-playbook with one fixed configuration and the timing callback."""

    def __init__(self, workdir, extra_env=None):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.config = os.path.join(workdir, 'ansible.cfg')
        with open(self.config, 'w', encoding='utf-8') as handle:
            handle.write('# written by tests/perf: the same settings for every contender\n[defaults]\n')
        env = clean_env()
        env.update({
            'ANSIBLE_CONFIG': self.config,
            'ANSIBLE_COLLECTIONS_PATH': collections_root(),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'False',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_LOCALHOST_WARNING': 'False',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_PLUGINS,
            'ANSIBLE_CALLBACKS_ENABLED': TIMING_CALLBACK,
            'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, 'tmp-local'),
            'ANSIBLE_REMOTE_TMP': os.path.join(workdir, 'tmp-remote'),
        })
        env.update(extra_env or {})
        self.env = env
        self.runs = 0

    def playbook(self, path, extra_env=None, keep_remote_files=False):
        """Run one playbook; return ``{wall, rc, tasks: [{name, action, duration, ...}], stdout}``."""
        self.runs += 1
        timings = os.path.join(self.workdir, 'timings-%d.json' % self.runs)
        env = dict(self.env, IOTPKI_PERF_TIMINGS=timings, **(extra_env or {}))
        if keep_remote_files:
            env['ANSIBLE_KEEP_REMOTE_FILES'] = '1'
        start, cpu_start = time.perf_counter(), children_cpu()
        completed = subprocess.run([tool('ansible-playbook'), path], cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors='replace',
                                   check=False)
        wall, cpu = time.perf_counter() - start, children_cpu() - cpu_start
        if completed.returncode != 0:
            raise BenchError('%s failed (rc=%d):\n%s' % (path, completed.returncode, completed.stdout[-4000:]))
        with open(timings, encoding='utf-8') as handle:
            tasks = json.load(handle)['tasks']
        os.unlink(timings)
        changed = sum(int(value) for value in re.findall(r' : ok=\d+\s+changed=(\d+)', completed.stdout))
        return {'wall': wall, 'cpu': cpu, 'tasks': tasks, 'changed': changed, 'stdout': completed.stdout}


def write_playbook(path, name, tasks):
    """A one-play playbook on the implicit localhost, without fact gathering (JSON is valid YAML)."""
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump([{'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle, indent=1)
    return path


def kept_payload(runner, module_name):
    """The newest AnsiballZ payload of ``module_name`` left by a keep_remote_files run."""
    root = runner.env['ANSIBLE_REMOTE_TMP']
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            if name == 'AnsiballZ_%s.py' % module_name:
                path = os.path.join(directory, name)
                found.append((os.path.getmtime(path), path))
    if not found:
        raise BenchError('no AnsiballZ payload of %s under %s' % (module_name, root))
    return max(found)[1]


def payload_files(payload):
    """``{path inside the payload: size}`` of the files AnsiballZ shipped (``explode`` debug command)."""
    directory = os.path.dirname(payload)
    debug_dir = os.path.join(directory, 'debug_dir')
    shutil.rmtree(debug_dir, ignore_errors=True)
    subprocess.run([sys.executable, payload, 'explode'], cwd=directory, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    files = {}
    for current, _dirs, names in os.walk(debug_dir):
        for name in names:
            path = os.path.join(current, name)
            files[os.path.relpath(path, debug_dir)] = os.path.getsize(path)
    shutil.rmtree(debug_dir, ignore_errors=True)
    return files


def children_cpu():
    """CPU seconds (user + system) of every finished child process so far, grandchildren included.

    Unlike wall time, the CPU time a contender uses hardly changes when other work competes for the
    cores, so it is reported next to every wall time (the simulator, a separate process that has not
    ended, is never counted in it).
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class PythonRun(t.NamedTuple):
    wall: float
    cpu: float
    stdout: str
    stderr: str


def run_python(args, env=None, cwd=None, importtime=False):
    """Run a Python process and wait for it; raise on a non-zero exit."""
    command = [sys.executable] + (['-X', 'importtime'] if importtime else []) + list(args)
    start, cpu_start = time.perf_counter(), children_cpu()
    completed = subprocess.run(command, cwd=cwd, env=env if env is not None else clean_env(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors='replace', check=False)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu_start
    if completed.returncode != 0:
        raise BenchError('%s failed (rc=%d):\n%s\n%s' % (
            ' '.join(args), completed.returncode, completed.stdout[-2000:], completed.stderr[-2000:]))
    return PythonRun(wall, cpu, completed.stdout, completed.stderr)


_IMPORT_LINE = re.compile(r'^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$')


def parse_importtime(text):
    """``{module: (self us, cumulative us, depth)}`` from ``python -X importtime`` output."""
    found = {}
    for line in text.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            found[match.group(4)] = (int(match.group(1)), int(match.group(2)), len(match.group(3)) // 2)
    return found

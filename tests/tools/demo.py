# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make demo``: build and install the collection, start the simulator, run docs/examples twice.

1. ``ansible-galaxy collection build`` into ``.build/dist`` and ``ansible-galaxy collection
   install`` of that tarball into ``.build/demo/collections``: the examples run against the
   installed collection, as a user's would.
2. Start the simulator (``python -m iotpki_sim --port 0``, the tests/simulator package) in the background with its default
   credentials (the examples seed the data they need through its test controls).
3. Export the connection variables (``IOTDA_*``, ``ENOS_*``) for the simulator.
4. Run every ``docs/examples/*.yml`` in name order, then all of them again: the second pass
   must report ``changed=0`` (idempotence); a change there fails the demo.
5. Stop the simulator, whatever happened.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from iotpki_sim.config import Credentials

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The simulator package of this clone, as `make simulator` runs it.
SIMULATOR = [sys.executable, '-m', 'iotpki_sim']
SIMULATOR_PATH = os.path.join(REPO, 'tests', 'simulator')
EXAMPLES = os.path.join(REPO, 'docs', 'examples')

# The simulator's default credentials (from its package); the demo starts it with exactly these.
CREDENTIALS = dataclasses.asdict(Credentials())


def banner(text):
    """Print a banner line."""
    line = '=' * 78
    print('\n%s\n  %s\n%s' % (line, text, line), flush=True)


def bin_path(name):
    """A command of the tools' virtual environment (the Python running this script)."""
    return os.path.join(os.path.dirname(sys.executable), name)


def galaxy_version():
    """The collection version from galaxy.yml."""
    with open(os.path.join(REPO, 'galaxy.yml'), encoding='utf-8') as handle:
        for line in handle:
            match = re.match(r'^version:\s*[\'"]?([^\s\'"]+)', line)
            if match:
                return match.group(1)
    raise SystemExit('demo: no version in galaxy.yml')


def build_and_install(build, env):
    """Build the collection tarball and install it; return the collections path."""
    dist = os.path.join(build, 'dist')
    collections = os.path.join(build, 'demo', 'collections')
    for path in (dist, collections):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    banner('building the collection into %s' % os.path.relpath(dist, REPO))
    subprocess.run([bin_path('ansible-galaxy'), 'collection', 'build', '--force', '--output-path', dist, REPO],
                   cwd=REPO, env=env, check=True)
    tarball = os.path.join(dist, 'iotpki-certificates-%s.tar.gz' % galaxy_version())
    banner('installing %s into %s' % (os.path.basename(tarball), os.path.relpath(collections, REPO)))
    subprocess.run([bin_path('ansible-galaxy'), 'collection', 'install', '--offline', '--force',
                    '-p', collections, tarball], cwd=REPO, env=dict(env, ANSIBLE_COLLECTIONS_PATH=collections),
                   check=True)
    return collections


class Simulator:
    """The simulator in the background (plain HTTP, any free port)."""

    def __init__(self, workdir):
        self.log_path = os.path.join(workdir, 'simulator.log')
        self.process = None
        self.url = None

    def start(self, env):
        """Start it and wait for ``simulator listening on http://...``."""
        command = SIMULATOR + ['--port', '0']
        for name, value in CREDENTIALS.items():
            command += ['--' + name.replace('_', '-'), value]
        with open(self.log_path, 'w', encoding='utf-8') as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, cwd=REPO, env=dict(env, PYTHONUNBUFFERED='1', PYTHONPATH=SIMULATOR_PATH), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(self.log_path, encoding='utf-8', errors='replace') as log:
                first = log.readline()
            match = re.match(r'^simulator listening on (http://\S+?)/?\s*$', first)
            if match and first.endswith('\n'):
                self.url = match.group(1)
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        with open(self.log_path, encoding='utf-8', errors='replace') as log:
            raise SystemExit('demo: the simulator did not start:\n%s' % log.read())

    def stop(self):
        """Stop the process (SIGTERM, then SIGKILL)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def run_examples(playbooks, env, workdir, second):
    """Run the playbooks in order; return the names of playbooks whose recap shows changes."""
    changed = []
    for playbook in playbooks:
        name = os.path.relpath(playbook, REPO)
        print('\n--- %s%s' % (name, ' (second run)' if second else ''), flush=True)
        with subprocess.Popen([bin_path('ansible-playbook'), playbook], cwd=workdir, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors='replace') as process:
            recap_changes = 0
            for line in process.stdout:
                sys.stdout.write(line)
                match = re.search(r'\bchanged=(\d+)\b', line)
                if match and ' : ok=' in line:
                    recap_changes += int(match.group(1))
            rc = process.wait()
        sys.stdout.flush()
        if rc != 0:
            raise SystemExit('demo: %s failed (rc=%d)%s' % (name, rc, ' on the second run' if second else ''))
        if recap_changes:
            changed.append('%s (changed=%d)' % (name, recap_changes))
    return changed


def main():
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--build', default=os.path.join(REPO, '.build'), help='build directory')
    args = parser.parse_args()
    build = os.path.abspath(args.build)

    # Connection settings of the caller's shell must not leak into the demo.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(('IOTDA_', 'ENOS_', 'HUAWEICLOUD_SDK_', 'ANSIBLE_COLLECTIONS_'))
           and key != 'PYTHONPATH'}

    collections = build_and_install(build, env)
    demo_dir = os.path.join(build, 'demo')
    # The examples run from here; what they write goes under the build directory (their demo_dir).
    workdir = os.path.join(demo_dir, 'work')
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)

    simulator = Simulator(demo_dir)

    def interrupted(signum, _frame):
        raise SystemExit('demo: interrupted (signal %d)' % signum)

    signal.signal(signal.SIGTERM, interrupted)
    try:
        banner('starting the simulator (python -m iotpki_sim --port 0)')
        url = simulator.start(env)
        print('demo: simulator at %s (log: %s)' % (url, os.path.relpath(simulator.log_path, REPO)))

        env.update({
            'ANSIBLE_COLLECTIONS_PATH': collections,
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'False',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            # The examples target the implicit localhost; no inventory is needed.
            'ANSIBLE_LOCALHOST_WARNING': 'False',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
            'IOTDA_ENDPOINT': url,
            'IOTDA_PROJECT_ID': CREDENTIALS['iotda_project_id'],
            'IOTDA_REGION': CREDENTIALS['iotda_region'],
            'IOTDA_ACCESS_KEY': CREDENTIALS['iotda_access_key'],
            'IOTDA_SECRET_KEY': CREDENTIALS['iotda_secret_key'],
            'ENOS_GATEWAY_URL': url,
            'ENOS_ACCESS_KEY': CREDENTIALS['enos_access_key'],
            'ENOS_SECRET_KEY': CREDENTIALS['enos_secret_key'],
            'ENOS_ORG_ID': CREDENTIALS['enos_org_id'],
        })
        env['NO_PROXY'] = env['no_proxy'] = ','.join(
            filter(None, [os.environ.get('NO_PROXY') or os.environ.get('no_proxy'), '127.0.0.1', 'localhost']))
        print('demo: exported IOTDA_ENDPOINT=%s ENOS_GATEWAY_URL=%s and the simulator\'s default credentials'
              % (url, url))

        playbooks = sorted(glob.glob(os.path.join(EXAMPLES, '*.yml')))
        if not playbooks:
            banner('docs/examples/ has no playbooks yet: nothing to run')
            return 0

        banner('first run: %d example playbook(s)' % len(playbooks))
        run_examples(playbooks, env, workdir, second=False)
        banner('second run: expect changed=0')
        changed = run_examples(playbooks, env, workdir, second=True)
        if changed:
            banner('NOT IDEMPOTENT: the second run changed something')
            for item in changed:
                print('  ' + item)
            return 1
        banner('demo finished: %d playbook(s) ran twice, the second run changed nothing' % len(playbooks))
        return 0
    finally:
        simulator.stop()
        print('demo: simulator stopped', flush=True)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except subprocess.CalledProcessError as error:
        sys.exit('demo: %s failed (rc=%d)' % (' '.join(error.cmd), error.returncode))

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ``ansible-test sanity`` on a fresh copy of the working tree (``make sanity``).

ansible-test needs its working directory to end in ``ansible_collections/<ns>/<name>`` and
only looks at files that git reports, so this script:

1. copies every file of ``git ls-files -co --exclude-standard`` (tracked files plus untracked
   files that are not ignored) into ``.build/sanity/ansible_collections/<ns>/<name>``, fresh
   each time;
2. runs ``git init`` in the copy: ansible-test searches upwards for a ``.git`` directory, and
   without one in the copy it would find the repository's own, where ``.build/`` is ignored,
   and test nothing. In the new, empty repository every copied file is "untracked and not
   ignored", so every one of them is tested;
3. points ``HOME`` at ``.build/home`` for the call, so ansible-test's cache and virtual
   environments stay in the build directory;
4. puts the offline stand-in for pip's bootstrap script (``tests/tools/get_pip_standin.py``)
   into ansible-test's cache, under the pip version ansible-test asks for, and a quiet pip
   configuration into that home;
5. runs ``ansible-test sanity --local`` (or ``--venv``) with all default tests (no
   ``--skip-test``) and, on failure, repeats the error lines at the end of the output.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import types


def git_files(repo):
    """Return the files git tracks plus the untracked files it does not ignore."""
    output = subprocess.check_output(
        ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=repo)
    names = sorted(set(name for name in output.decode('utf-8').split('\0') if name))
    # ``--cached`` still lists tracked files that were deleted from the working tree.
    return [name for name in names if os.path.lexists(os.path.join(repo, name))]


def read_collection_name(repo):
    """Return (namespace, name) from galaxy.yml."""
    values = {}
    with open(os.path.join(repo, 'galaxy.yml'), encoding='utf-8') as handle:
        for line in handle:
            match = re.match(r'^(namespace|name):\s*(\S+)\s*$', line)
            if match:
                values[match.group(1)] = match.group(2).strip('\'"')
    return values['namespace'], values['name']


def copy_tree(repo, dest):
    """Copy the files git knows about into dest (which is recreated)."""
    sanity_root = os.path.dirname(os.path.dirname(os.path.dirname(dest)))
    if os.path.lexists(sanity_root):
        shutil.rmtree(sanity_root)
    os.makedirs(dest)
    files = git_files(repo)
    for name in files:
        source = os.path.join(repo, name)
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    subprocess.check_call(['git', 'init', '--quiet', dest])
    return len(files)


def ansible_test_pip_version(python_version):
    """Return the pip version ansible-test bootstraps into its virtual environments."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_test._internal.python_requirements import get_venv_packages

    return get_venv_packages(types.SimpleNamespace(version=python_version))['pip']


def install_get_pip_standin(home, python_version):
    """Copy the get-pip stand-in to where ansible-test looks for its cached get-pip script."""
    pip_version = ansible_test_pip_version(python_version)
    cache = os.path.join(home, '.ansible', 'test', 'cache')
    os.makedirs(cache, exist_ok=True)
    target = os.path.join(cache, 'get_pip_%s.py' % pip_version.replace('.', '_'))
    shutil.copyfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'get_pip_standin.py'), target)
    return pip_version, target


def quiet_pip_config(home):
    """A user pip configuration in the ansible-test home: ``quiet = 1`` for every pip that ansible-test
    runs to fill its sanity venvs (progress lines of each package; warnings and errors still show).
    The machine's own configuration (index, certificates) still applies: pip merges the files."""
    path = os.path.join(home, '.config', 'pip', 'pip.conf')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as config:
        config.write('[global]\nquiet = 1\n')
    return path


def run(command, cwd, env, log_path):
    """Run command, streaming its output to the terminal and to log_path; return (rc, lines)."""
    lines = []
    with open(log_path, 'w', encoding='utf-8') as log:
        with subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors='replace') as process:
            for line in process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                log.write(line)
                lines.append(line.rstrip('\n'))
            rc = process.wait()
    return rc, lines


def summarize_failure(lines, dest, log_path):
    """Print the error lines of a failed run again, at the end, where they are easy to find."""
    interesting = [line for line in lines if line.startswith(('ERROR:', 'FATAL:', 'Download failed'))
                   or re.match(r'^\S+:\d+:\d+: ', line)]
    print('', file=sys.stderr)
    print('=' * 78, file=sys.stderr)
    print('make sanity FAILED. Findings (paths are relative to the collection root):', file=sys.stderr)
    print('=' * 78, file=sys.stderr)
    for line in interesting or lines[-40:]:
        print('  ' + line, file=sys.stderr)
    print('', file=sys.stderr)
    print('Full output: %s' % log_path, file=sys.stderr)
    print('Tested copy: %s (rebuilt on every run; fix the files in the repository)' % dest, file=sys.stderr)
    print('Rerun one test: make sanity SANITY_ARGS="--test <name>"', file=sys.stderr)


def main():
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repo', default=os.getcwd(), help='repository root (default: cwd)')
    parser.add_argument('--build', help='build directory (default: <repo>/.build)')
    parser.add_argument('--python', default='%d.%d' % sys.version_info[:2],
                        help='Python version to test with (default: this interpreter)')
    parser.add_argument('--mode', choices=('venv', 'local'), default='local',
                        help='ansible-test environment option (default: local; the sanity tests run in '
                             'their own virtual environments either way)')
    parser.add_argument('ansible_test_args', nargs=argparse.REMAINDER,
                        help='extra arguments for ansible-test sanity')
    args = parser.parse_args()

    repo = os.path.abspath(args.repo)
    build = os.path.abspath(args.build or os.path.join(repo, '.build'))
    namespace, name = read_collection_name(repo)
    dest = os.path.join(build, 'sanity', 'ansible_collections', namespace, name)
    home = os.path.join(build, 'home')
    log_path = os.path.join(build, 'sanity.log')

    count = copy_tree(repo, dest)
    print('sanity: copied %d files to %s' % (count, dest))

    pip_version, standin = install_get_pip_standin(home, args.python)
    print('sanity: ansible-test bootstraps pip %s; offline stand-in at %s' % (pip_version, standin))
    quiet_pip_config(home)

    env = dict(os.environ)
    env['HOME'] = home
    # Keep the interpreter of the tools' virtual environment (and its ansible-test) first.
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    # ansible-test finds the collection from its working directory; the Makefile's link must not interfere.
    for name in ('PYTHONPATH', 'ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_COLLECTIONS_PATHS'):
        env.pop(name, None)

    ansible_test = os.path.join(os.path.dirname(sys.executable), 'ansible-test')
    extra = [arg for arg in args.ansible_test_args if arg != '--']
    command = [ansible_test, 'sanity', '--%s' % args.mode, '--python', args.python, '--color', 'no'] + extra
    print('sanity: %s' % ' '.join(command))
    started = time.monotonic()
    rc, lines = run(command, dest, env, log_path)
    elapsed = time.monotonic() - started
    if rc:
        summarize_failure(lines, dest, log_path)
        print('sanity: failed (rc=%d) after %.0f s' % (rc, elapsed), file=sys.stderr)
    else:
        print('sanity: passed in %.0f s' % elapsed)
    return rc


if __name__ == '__main__':
    sys.exit(main())

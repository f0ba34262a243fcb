# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: the collection against the baselines a user would pick instead.

Sections (each against its own simulator state; the simulator is one separate process):

1. ``tasks``: per-task cost, 30 unchanged ``iotda_device_certificate`` tasks vs 30 ``uri`` GETs vs
   30 ``ping``; the AnsiballZ payloads and their import cost.
2. ``listing``: ``iotda_certificate_info`` over 10,000 device certificates (exactly 200 requests)
   vs the official Huawei Python SDK.
3. ``rerun``: the ``make demo`` playbooks run again: requests against the floor, wall time.
4. ``headroom``: the simulator's own requests per second, to show it is not the bottleneck.
5. ``fleet``: issue 13's fleet targets, each against a baseline of the same run (``bench_fleet.py``).

Writes ``docs/performance.md`` (generated from this run's results only) and the raw results to
``.build/perf/results.json``. Settings (environment, or the options of the same name):

- ``IOTPKI_BENCH_ROUNDS`` (default 5, at least 5 for the published document): rounds per section;
- ``IOTPKI_BENCH_SECTIONS`` (default all): a comma-separated subset; a partial run writes its
  document to ``.build/perf/performance.md`` instead of ``docs/``;
- ``IOTPKI_BENCH_CERTS`` (default 10000): device certificates of the listing section;
- ``IOTPKI_BENCH_HEADROOM_SECONDS`` (default 2): length of one headroom measurement.

Run it from the tools' virtual environment (``make bench`` installs the SDK first), or as
``.venv/bin/python tests/perf/run.py``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import sys
import threading
import time

# pylint: disable=wrong-import-position
import bench_fleet  # noqa: E402
import bench_headroom  # noqa: E402
import bench_listing  # noqa: E402
import bench_rerun  # noqa: E402
import bench_tasks  # noqa: E402
import report  # noqa: E402
from benchlib import REPO, AnsibleRunner, BenchError, Simulator, SimulatorError, log  # noqa: E402

SECTIONS = ('tasks', 'listing', 'rerun', 'headroom', 'fleet')
MIN_PUBLISHED_ROUNDS = 5


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, '') else default


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=_env_int('IOTPKI_BENCH_ROUNDS', 5))
    parser.add_argument('--sections', default=os.environ.get('IOTPKI_BENCH_SECTIONS') or ','.join(SECTIONS))
    parser.add_argument('--certs', type=int, default=_env_int('IOTPKI_BENCH_CERTS', 10000))
    parser.add_argument('--fleet', type=int, default=_env_int('IOTPKI_BENCH_FLEET', 2000))
    parser.add_argument('--fleet-sample', type=int, default=_env_int('IOTPKI_BENCH_FLEET_SAMPLE', 100))
    parser.add_argument('--headroom-seconds', type=float, default=float(_env_int('IOTPKI_BENCH_HEADROOM_SECONDS', 2)))
    parser.add_argument('--workdir', default=os.path.join(REPO, '.build', 'perf'))
    parser.add_argument('--output', help='Markdown file to write (default: docs/performance.md for a full run)')
    parser.add_argument('--from-results', metavar='RESULTS_JSON',
                        help='measure nothing: render the document again from the results.json of an earlier run')
    args = parser.parse_args()
    args.sections = [name.strip() for name in args.sections.split(',') if name.strip()]
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown or not args.sections:
        parser.error('unknown sections %s (choose from %s)' % (', '.join(unknown), ', '.join(SECTIONS)))
    if args.rounds < 1:
        parser.error('--rounds must be 1 or more')
    complete = args.sections == list(SECTIONS) and args.rounds >= MIN_PUBLISHED_ROUNDS and args.certs == 10000 and args.fleet == 2000
    if not args.output and not args.from_results:
        args.output = os.path.join(REPO, 'docs', 'performance.md') if complete else os.path.join(args.workdir, 'performance.md')
    return args


def _version(distribution):
    try:
        from importlib import metadata  # pylint: disable=import-outside-toplevel
        return metadata.version(distribution)
    except Exception:  # pylint: disable=broad-exception-caught
        return 'not installed'


def machine_facts():
    model = None
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        'cores': os.cpu_count(),
        'cpu': model or platform.processor() or 'unknown',
        'os': platform.platform(terse=True),
        'python': platform.python_version(),
        'ansible_core': _version('ansible-core'),
        'requests': _version('requests'),
        'cryptography': _version('cryptography'),
        'huaweicloudsdkiotda': _version('huaweicloudsdkiotda'),
        'huaweicloudsdkcore': _version('huaweicloudsdkcore'),
        'load_start': os.getloadavg() if hasattr(os, 'getloadavg') else None,
    }


def rerender(args):
    """The document of an earlier run, rendered again from its own results (after a change of report.py)."""
    with open(args.from_results, encoding='utf-8') as handle:
        results = json.load(handle)
    complete = results['sections'] == list(SECTIONS) and results['rounds'] >= MIN_PUBLISHED_ROUNDS \
        and results['settings']['IOTPKI_BENCH_CERTS'] == 10000
    output = args.output or (os.path.join(REPO, 'docs', 'performance.md') if complete
                             else os.path.join(os.path.dirname(os.path.abspath(args.from_results)), 'performance.md'))
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write(report.render(results))
    print(report.console_summary(results))
    print('bench: wrote %s from %s (measured %s)' % (os.path.relpath(output, REPO), args.from_results, results['date']))
    return 0


def main():
    args = parse_args()
    if args.from_results:
        return rerender(args)
    if 'listing' in args.sections and _version('huaweicloudsdkiotda') == 'not installed':
        raise SystemExit('bench: huaweicloudsdkiotda is not installed in this Python; run `make bench` '
                         '(it installs tests/requirements-bench.txt) or pip install -r tests/requirements-bench.txt')
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    started = time.monotonic()
    results = {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'machine': machine_facts(),
        'rounds': args.rounds,
        'sections': args.sections,
        'command': 'make bench' if os.environ.get('MAKELEVEL') else 'python tests/perf/run.py',
        'settings': {'IOTPKI_BENCH_ROUNDS': args.rounds, 'IOTPKI_BENCH_CERTS': args.certs,
                     'IOTPKI_BENCH_HEADROOM_SECONDS': args.headroom_seconds, 'IOTPKI_BENCH_FLEET': args.fleet,
                     'IOTPKI_BENCH_FLEET_SAMPLE': args.fleet_sample},
    }
    reduced = [text for text, short in (
        ('sections %s only' % ', '.join(args.sections), args.sections != list(SECTIONS)),
        ('%d round(s)' % args.rounds, args.rounds < MIN_PUBLISHED_ROUNDS),
        ('{:,} certificates listed'.format(args.certs), args.certs != 10000),
        ('{:,} fleet targets'.format(args.fleet), args.fleet != 2000)) if short]
    if reduced:
        results['reduced'] = ', '.join(reduced)
    load_samples = []
    sampling = threading.Event()

    def sample_load():  # the highest load of the run, next to the start and end values
        while not sampling.wait(5):
            load_samples.append(os.getloadavg()[0])

    if hasattr(os, 'getloadavg'):
        threading.Thread(target=sample_load, daemon=True).start()
    simulator = Simulator(os.path.join(args.workdir, 'simulator'))

    def interrupted(signum, _frame):
        raise SystemExit('bench: interrupted (signal %d)' % signum)

    signal.signal(signal.SIGTERM, interrupted)  # so that the simulator is stopped too
    try:
        simulator.start()
        log('simulator at %s; %d rounds; sections: %s' % (simulator.url, args.rounds, ', '.join(args.sections)))
        runner = AnsibleRunner(os.path.join(args.workdir, 'ansible'))
        if 'tasks' in args.sections:
            results['tasks'] = bench_tasks.run(simulator, runner, args.rounds)
        if 'listing' in args.sections:
            results['listing'] = bench_listing.run(simulator, runner, args.rounds, args.certs)
        if 'rerun' in args.sections:
            results['rerun'] = bench_rerun.run(simulator, runner, args.rounds)
        if 'headroom' in args.sections:
            results['headroom'] = bench_headroom.run(simulator, args.rounds, args.headroom_seconds)
        if 'fleet' in args.sections:
            results['fleet'] = bench_fleet.run(simulator, runner, args.fleet, args.fleet_sample, args.certs)
    except (BenchError, SimulatorError) as error:
        raise SystemExit('bench: %s' % error) from None
    finally:
        simulator.stop()
    sampling.set()
    results['machine']['load_end'] = os.getloadavg() if hasattr(os, 'getloadavg') else None
    results['machine']['load_max'] = max(load_samples) if load_samples else None
    results['duration_seconds'] = time.monotonic() - started

    raw = os.path.join(args.workdir, 'results.json')
    with open(raw, 'w', encoding='utf-8') as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    document = report.render(results)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w', encoding='utf-8') as handle:
        handle.write(document)
    print(report.console_summary(results))
    print('bench: wrote %s and %s in %.0f s' % (os.path.relpath(args.output, REPO), os.path.relpath(raw, REPO),
                                                results['duration_seconds']))
    return 0


if __name__ == '__main__':
    sys.exit(main())

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a Python script (an AnsiballZ payload) under cProfile and write the statistics to a file.

Usage: ``python profile_payload.py SCRIPT OUTPUT [LINES]``. The script's own output goes to stdout
as usual; the profile (sorted by cumulative time, LINES entries, default 30) goes to OUTPUT.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import runpy
import sys


def main():
    script, output = sys.argv[1], sys.argv[2]
    lines = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    sys.argv = [script]
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit:
        pass
    finally:
        profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(lines)
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write(stream.getvalue())


if __name__ == '__main__':
    main()

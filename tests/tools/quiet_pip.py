# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pip for the Makefile: ``python quiet_pip.py <pip arguments>`` runs ``python -m pip`` with them.

pip prints ``WARNING: Location '...' is ignored: it is neither a file nor a directory.`` for each
package and each configured index location that does not exist on the machine (a machine-wide
``extra-index-url`` of ``file://`` folders, for example): hundreds of lines on a fresh venv that say
nothing about this project. Those lines are dropped; everything else pip prints (with
``--quiet``: its other warnings and its errors) and its exit code pass through.
"""

from __future__ import annotations

import re
import subprocess
import sys

MISSING_LOCATION = re.compile(r"^WARNING: Location '[^']*' is ignored: it is neither a file nor a directory\.$")


def main(argv):
    """Run pip with ``argv``; return its exit code."""
    command = [sys.executable, '-m', 'pip', '--disable-pip-version-check'] + list(argv)
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, errors='replace') as process:
        for line in process.stderr:
            if not MISSING_LOCATION.match(line.rstrip('\n')):
                sys.stderr.write(line)
        return process.wait()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

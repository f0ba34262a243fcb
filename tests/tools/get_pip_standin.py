# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip.py`` script that ansible-test downloads.

ansible-test bootstraps pip into each of its sanity virtual environments with a script it
normally downloads from the internet. When that host cannot be reached it first looks in its
cache (``~/.ansible/test/cache/get_pip_<version>.py``). ``make sanity`` copies this file there.

It is run as ``__main__`` with pip's install arguments, for example
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``. It installs the pip
bundled with Python (``ensurepip``), then uses that pip to install the requested version,
honouring the machine's pip configuration files.
"""

from __future__ import annotations

import subprocess
import sys

# Options of get-pip.py that ``pip install`` does not know.
GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main():
    """Bootstrap pip, then install the requested packages with it."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]

    # In a child process: ensurepip points PIP_CONFIG_FILE at the null device and leaves it set,
    # which would make the pip below ignore the machine's configuration (index, certificates).
    # Its progress lines go nowhere (one sanity venv each); its errors still reach stderr.
    bootstrap = subprocess.call([sys.executable, '-m', 'ensurepip'], stdout=subprocess.DEVNULL)
    if bootstrap:
        sys.exit(bootstrap)

    command = [sys.executable, '-m', 'pip', 'install', '--quiet'] + args
    sys.exit(subprocess.call(command))


if __name__ == '__main__':
    main()

"""Start the platform simulator in the foreground: python tests/simulator/run.py --port 8080 (see README.md)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from iotpki_sim.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())

"""python -m iotpki_sim: the same as the iotpki-simulator console script."""

import sys

from iotpki_sim.cli import main

sys.exit(main())

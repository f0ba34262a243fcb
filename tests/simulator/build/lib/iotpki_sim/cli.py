"""Command line: start the simulator in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
from typing import Optional, Sequence

from iotpki_sim import __version__
from iotpki_sim.config import Credentials, ListenOptions, RUNTIME_DEFAULTS


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every option documented with its default)."""
    creds, listen = Credentials(), ListenOptions()
    parser = argparse.ArgumentParser(prog="iotpki-simulator", description="Local Huawei IoTDA + Envision EnOS simulator "
                                     "for iotpki.certificates.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--host", default=listen.host, help="address to listen on")
    parser.add_argument("--port", type=int, default=listen.port, help="HTTP port (0 = any free port)")
    parser.add_argument("--tls", action="store_true", help="also listen for HTTPS with a generated CA")
    parser.add_argument("--tls-port", type=int, default=listen.tls_port, help="HTTPS port (0 = any free port)")
    parser.add_argument("--tls-dir", default=None, help="where to write ca.pem/server.pem (default: a temp dir)")
    for name, value in vars(creds).items():
        parser.add_argument("--" + name.replace("_", "-"), default=value, help=name.replace("_", " "))
    parser.add_argument("--iotda-mode", choices=("basic", "instance"), default=RUNTIME_DEFAULTS["iotda_mode"],
                        help="instance: V11 or token only (SDK-HMAC-SHA256 -> 401 IOTDA.000002); basic: both")
    parser.add_argument("--latency", type=float, default=RUNTIME_DEFAULTS["latency"], metavar="SECONDS",
                        help="added to every platform answer (not to /_sim controls), to model a WAN")
    parser.add_argument("--rate-limit", type=float, default=RUNTIME_DEFAULTS["rate_limit"], metavar="N",
                        help="per platform, at most N requests in any one-second window; above it 429 with "
                        "Retry-After (default: no limit)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr (never secrets)")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    return parser


def missing_dependency() -> Optional[str]:
    """A message for the operator when `cryptography` (the only dependency) is not importable, else None."""
    if importlib.util.find_spec("cryptography") is not None:
        return None
    return ("iotpki-simulator: the Python package 'cryptography' is not installed for %s (Python %d.%d). "
            "Install the simulator with its dependency: pip install <clone>/tests/simulator "
            "(or pip install 'cryptography>=41')." % (sys.executable, *sys.version_info[:2]))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run until interrupted; print the listening URLs first (flushed)."""
    args = build_parser().parse_args(argv)
    problem = missing_dependency()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from iotpki_sim.server import start_simulator  # pylint: disable=import-outside-toplevel

    handle = start_simulator(**vars(args))
    print("simulator listening on %s" % handle.url, flush=True)
    if handle.https_url:
        print("simulator listening on %s" % handle.https_url, flush=True)
        print("simulator CA file: %s" % handle.ca_file, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handle.stop()
    return 0

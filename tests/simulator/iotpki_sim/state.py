"""All mutable simulator state behind one short-held lock."""

from __future__ import annotations

import threading

from iotpki_sim.config import Credentials, RuntimeConfig
from iotpki_sim.enos.store import EnosStore
from iotpki_sim.enos.tokens import TokenStore
from iotpki_sim.control.faults import FaultQueue
from iotpki_sim.core.ids import IdGenerator
from iotpki_sim.iotda.store import IotdaStore
from iotpki_sim.core.reqlog import RequestLog
from iotpki_sim.core.throttle import SlidingWindow


class SimState:
    """Data of both platforms, tokens, faults, the request log and runtime settings."""

    def __init__(self, credentials: Credentials, config: RuntimeConfig) -> None:
        self.lock = threading.RLock()
        self.credentials = credentials
        self.config = config
        self.ids = IdGenerator()
        self.iotda = IotdaStore()
        self.enos = EnosStore()
        self.tokens = TokenStore()
        self.faults = FaultQueue()
        self.log = RequestLog()
        self.throttle = SlidingWindow()

    def reset(self) -> None:
        """Back to the startup state: data, tokens, faults, log, rate-limit window and setting overrides (record IDs and log seq numbers keep increasing)."""
        with self.lock:
            self.iotda = IotdaStore()
            self.enos = EnosStore()
            self.tokens = TokenStore()
            self.faults = FaultQueue()
            self.config.reset()
        self.throttle.clear()
        self.log.clear()

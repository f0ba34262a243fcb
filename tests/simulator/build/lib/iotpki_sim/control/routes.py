"""Test controls under /_sim (no auth, JSON, never written to the request log)."""

from __future__ import annotations

import time
from typing import Any, Callable

from iotpki_sim import __version__
from iotpki_sim.enos import seed as seed_enos
from iotpki_sim.iotda import seed as seed_iotda
from iotpki_sim.control.fields import ControlError, body_object
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Request, Response, json_response

Control = Callable[[SimState, Request], "tuple[int, Any]"]


def _reset(state: SimState, _req: Request) -> tuple[int, Any]:
    state.reset()
    return 200, {"reset": True}


def _health(_state: SimState, _req: Request) -> tuple[int, Any]:
    return 200, {"status": "ok"}


def _version(_state: SimState, _req: Request) -> tuple[int, Any]:
    return 200, {"name": "iotpki-simulator", "version": __version__}


def _requests(state: SimState, req: Request) -> tuple[int, Any]:
    since = req.query.get("since", "0")
    if not since.isdigit():
        raise ControlError(400, "since must be a non-negative integer")
    entries = state.log.since(int(since))
    return 200, {"count": len(entries), "requests": entries}


def _clear_requests(state: SimState, _req: Request) -> tuple[int, Any]:
    return 200, {"cleared": state.log.clear()}


def _config(state: SimState, _req: Request) -> tuple[int, Any]:
    return 200, state.config.snapshot()


def _set_config(state: SimState, req: Request) -> tuple[int, Any]:
    try:
        return 200, state.config.update(body_object(req))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None


def _state(state: SimState, _req: Request) -> tuple[int, Any]:
    now_ms = int(time.time() * 1000)
    with state.lock:
        iotda, enos = state.iotda, state.enos
        return 200, {
            "iotda": {"ca_certificates": [r.sim_view() for r in iotda.cas.values()],
                      "device_certificates": [r.sim_view() for r in iotda.device_certs.values()],
                      "devices": [r.sim_view() for r in iotda.devices.values()]},
            "enos": {"devices": [d.sim_view() for d in enos.devices.values()],
                     "certificates": [c.sim_view(now_ms) for c in sorted(enos.certs.values(), key=lambda c: c.serial)],
                     "tokens_issued": len(state.tokens.tokens)},
        }


def _expire_tokens(state: SimState, _req: Request) -> tuple[int, Any]:
    with state.lock:
        return 200, {"expired": state.tokens.expire_all(time.time())}


def _add_fault(state: SimState, req: Request) -> tuple[int, Any]:
    try:
        fault = state.faults.add(body_object(req))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return 201, {"id": fault.fault_id}


def _faults(state: SimState, _req: Request) -> tuple[int, Any]:
    views = state.faults.views()
    return 200, {"count": len(views), "faults": views}


def _clear_faults(state: SimState, _req: Request) -> tuple[int, Any]:
    return 200, {"cleared": state.faults.clear()}


ROUTES: dict[str, dict[str, Control]] = {
    "/_sim/health": {"GET": _health},
    "/_sim/version": {"GET": _version},
    "/_sim/reset": {"POST": _reset},
    "/_sim/requests": {"GET": _requests, "DELETE": _clear_requests},
    "/_sim/config": {"GET": _config, "POST": _set_config},
    "/_sim/state": {"GET": _state},
    "/_sim/faults": {"GET": _faults, "POST": _add_fault, "DELETE": _clear_faults},
    "/_sim/iotda/device-certificates": {"POST": seed_iotda.device_certificates},
    "/_sim/iotda/ca-certificates": {"POST": seed_iotda.ca_certificates},
    "/_sim/iotda/devices": {"POST": seed_iotda.devices},
    "/_sim/enos/devices": {"POST": seed_enos.devices},
    "/_sim/enos/certificates": {"POST": seed_enos.certificates},
    "/_sim/enos/expire-tokens": {"POST": _expire_tokens},
}


def _delete_one_fault(state: SimState, path: str) -> tuple[int, Any]:
    fault_id = path.rsplit("/", 1)[1]
    if not fault_id.isdigit() or not state.faults.clear(int(fault_id)):
        raise ControlError(404, "no pending fault %s" % fault_id)
    return 200, {"cleared": 1}


def handle(state: SimState, req: Request) -> Response:
    """Answer a control request."""
    path = req.path.rstrip("/")
    try:
        if req.method == "DELETE" and path.startswith("/_sim/faults/"):
            status, body = _delete_one_fault(state, path)
        elif path not in ROUTES:
            raise ControlError(404, "unknown control endpoint %s (known: %s)" % (path, ", ".join(sorted(ROUTES))))
        elif req.method not in ROUTES[path]:
            raise ControlError(405, "%s supports %s" % (path, ", ".join(sorted(ROUTES[path]))))
        else:
            status, body = ROUTES[path][req.method](state, req)
    except ControlError as exc:
        return json_response(exc.status, {"error": exc.msg})
    return json_response(status, body)

"""Simulator options: fixed startup options and the runtime settings changeable through /_sim/config."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, Optional


@dataclasses.dataclass(frozen=True)
class Credentials:
    """The platform credentials the simulator accepts (fixed for the process lifetime)."""

    iotda_access_key: str = "SIMIOTDAAK0000000001"
    iotda_secret_key: str = "sim-iotda-secret-key-0000000000000001"
    iotda_project_id: str = "0123456789abcdef0123456789abcdef"
    iotda_auth_token: str = "sim-iotda-auth-token"
    iotda_region: str = "cn-north-4"
    enos_access_key: str = "sim-enos-app-key"
    enos_secret_key: str = "sim-enos-app-secret"
    enos_org_id: str = "o15000000000001"


@dataclasses.dataclass(frozen=True)
class ListenOptions:
    """Where and how the simulator listens."""

    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = False
    tls_port: int = 0
    tls_dir: Optional[str] = None
    verbose: bool = False


def _choice(*allowed: Any) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in allowed:
            raise ValueError("must be one of %s" % ", ".join(str(a) for a in allowed))
        return value
    return check


def _int_at_least(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError("must be an integer >= %d" % minimum)
        return value
    return check


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60:
        raise ValueError("must be a number of seconds between 0 and 60")
    return float(value)


def _rate(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError("must be a number of requests per second above 0, or null for no limit")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


RUNTIME_DEFAULTS: dict[str, Any] = {
    "latency": 0.0,
    "rate_limit": None,
    "iotda_mode": "instance",
    "iotda_duplicate_upload": "allow",
    "iotda_ca_quota": 100,
    "enos_token_ttl": 7200,
    "enos_expired_token_status": 200,
    "enos_list_cert_field": "serial",
    "enos_effective_date_key": "effetiveDate",
    "max_skew_seconds": 900,
    "iotda_list_device_secondary": True,
    "iotda_reset_secret_device": "convert",
    "iotda_cleared_fingerprint": "absent",
    "enos_apply_with_valid": "keep",
    "enos_csr_subject": "cn",
}

_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "latency": _seconds,
    "rate_limit": _rate,
    "iotda_list_device_secondary": _flag,
    "iotda_reset_secret_device": _choice("convert", "reject"),
    "iotda_cleared_fingerprint": _choice("absent", "null", "empty"),
    "enos_apply_with_valid": _choice("keep", "supersede", "reject"),
    "enos_csr_subject": _choice("cn", "full"),
    "iotda_mode": _choice("basic", "instance"),
    "iotda_duplicate_upload": _choice("allow", "reject"),
    "iotda_ca_quota": _int_at_least(0),
    "enos_token_ttl": _int_at_least(1),
    "enos_expired_token_status": _choice(200, 401),
    "enos_list_cert_field": _choice("serial", "pem"),
    "enos_effective_date_key": _choice("effetiveDate", "effectiveDate"),
    "max_skew_seconds": _int_at_least(0),
}


def validate_runtime(values: dict[str, Any]) -> dict[str, Any]:
    """Check a partial runtime configuration; raise ValueError naming the first bad key."""
    for key, value in values.items():
        if key not in _VALIDATORS:
            raise ValueError("unknown setting %r (known: %s)" % (key, ", ".join(sorted(_VALIDATORS))))
        try:
            _VALIDATORS[key](value)
        except ValueError as exc:
            raise ValueError("%s %s" % (key, exc)) from None
    return dict(values)


class RuntimeConfig:
    """Runtime settings: startup values plus overrides; reset() drops the overrides."""

    def __init__(self, startup: dict[str, Any]) -> None:
        self._startup = dict(RUNTIME_DEFAULTS)
        self._startup.update(validate_runtime(startup))
        self._lock = threading.Lock()
        self._values = dict(self._startup)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def snapshot(self) -> dict[str, Any]:
        """A copy of the current settings."""
        return dict(self._values)

    def update(self, partial: dict[str, Any]) -> dict[str, Any]:
        """Validate and apply a partial update atomically; return the new settings."""
        checked = validate_runtime(partial)
        with self._lock:
            values = dict(self._values)
            values.update(checked)
            self._values = values
        return dict(values)

    def reset(self) -> None:
        """Back to the startup values."""
        with self._lock:
            self._values = dict(self._startup)


@dataclasses.dataclass(frozen=True)
class SimOptions:
    """Everything start_simulator() accepts, split by purpose."""

    credentials: Credentials
    listen: ListenOptions
    runtime: dict[str, Any]

    @classmethod
    def from_kwargs(cls, options: dict[str, Any]) -> "SimOptions":
        """Build from flat keyword options (the CLI names with underscores); raise TypeError on unknown names."""
        cred_names = {f.name for f in dataclasses.fields(Credentials)}
        listen_names = {f.name for f in dataclasses.fields(ListenOptions)}
        unknown = set(options) - cred_names - listen_names - set(RUNTIME_DEFAULTS)
        if unknown:
            raise TypeError("unknown simulator option(s): %s" % ", ".join(sorted(unknown)))
        creds = Credentials(**{k: v for k, v in options.items() if k in cred_names and v is not None})
        listen = ListenOptions(**{k: v for k, v in options.items() if k in listen_names and v is not None})
        runtime = validate_runtime({k: v for k, v in options.items() if k in RUNTIME_DEFAULTS and v is not None})
        return cls(credentials=creds, listen=listen, runtime=runtime)

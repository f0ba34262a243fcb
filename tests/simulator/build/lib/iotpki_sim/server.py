"""HTTP(S) listeners (HTTP/1.1 keep-alive, one write per response) and the in-process API start_simulator()."""

from __future__ import annotations

import dataclasses
import socket
import socketserver
import ssl
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from iotpki_sim.core import pki
from iotpki_sim.core import tls
from iotpki_sim.app import Simulator
from iotpki_sim.config import SimOptions
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Request, Response, json_response

MAX_BODY = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into web.Request objects and writes web.Response objects."""

    protocol_version = "HTTP/1.1"
    server_version = "iotpki-sim"
    disable_nagle_algorithm = True
    timeout = 300
    server: "_Server"

    def setup(self) -> None:
        if self.server.ssl_context is not None:
            self.request.settimeout(15)
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Silence the default access log (the app writes its own with --verbose)."""

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        """All methods share one dispatcher."""
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _target(self) -> str:
        path = self.path
        if path.startswith(("http://", "https://")):
            rest = path.split("://", 1)[1]
            path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return path

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise ValueError("body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(json_response(400, {"error": "unreadable request body"}))
            return
        method = "GET" if self.command == "HEAD" else self.command
        req = Request(method=method, target=self._target(), body=body, scheme=self.server.scheme,
                      headers={name.lower(): value for name, value in self.headers.items()})
        try:
            response = self.server.app.handle(req)
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            response = json_response(500, {"error_code": "SIM.500", "error_msg": "simulator internal error"})
        self._send(response)

    def _send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        reason = self.responses.get(response.status, ("Unknown",))[0]
        lines = ["HTTP/1.1 %d %s" % (response.status, reason), "Server: " + self.server_version,
                 "Date: " + self.date_time_string()]
        lines.extend("%s: %s" % header for header in response.headers)
        lines.append("Content-Length: %d" % len(response.body))
        if self.close_connection:
            lines.append("Connection: close")
        payload = b"" if self.command == "HEAD" else response.body
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


class _Server(ThreadingHTTPServer):
    """A threaded listener that knows its app, scheme and open connections."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Simulator, ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.scheme = "https" if ssl_context else "http"
        self._open: set = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse-DNS lookup HTTPServer does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def track(self, conn: socket.socket, opened: bool) -> None:
        """Remember open connections so stop() can close keep-alive ones."""
        with self._open_lock:
            if opened:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        """Shut down every open connection."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore client disconnects and TLS handshake failures; report anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


def _url(scheme: str, host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    return "%s://%s:%d" % (scheme, shown, port)


def _warm_up() -> None:
    for authority in ("ECC", "RSA"):
        pki.enos_ca(authority)
    pki.iotda_device_issuer()
    pki.shared_key("ec")
    pki.shared_key("rsa")


@dataclasses.dataclass
class SimulatorHandle:
    """A running simulator: URLs, CA file (with TLS) and stop()."""

    url: str
    https_url: Optional[str]
    ca_file: Optional[str]
    app: Simulator
    _servers: list
    _tls: Optional[tls.TlsMaterial] = None

    @property
    def state(self) -> SimState:
        """The live state (for white-box assertions)."""
        return self.app.state

    def stop(self) -> None:
        """Stop listening, close open connections, remove generated TLS files."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._tls is not None:
            self._tls.cleanup()

    def __enter__(self) -> "SimulatorHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def start_simulator(**options: Any) -> SimulatorHandle:
    """Start HTTP (and with tls=True HTTPS) listeners in background threads; see README for the options."""
    opts = SimOptions.from_kwargs(options)
    listen = opts.listen
    app = Simulator(opts.credentials, opts.runtime, listen.verbose)
    servers = [_Server((listen.host, listen.port), app)]
    material = None
    if listen.tls:
        hosts = ["127.0.0.1", "localhost"]
        if listen.host not in hosts + ["", "0.0.0.0"]:
            hosts.append(listen.host)
        material = tls.prepare(listen.tls_dir, hosts)
        servers.append(_Server((listen.host, listen.tls_port), app, material.context))
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                         name="iotpki-sim-%s" % server.scheme).start()
    threading.Thread(target=_warm_up, daemon=True, name="iotpki-sim-warm-up").start()
    return SimulatorHandle(
        url=_url("http", listen.host, servers[0].server_port),
        https_url=_url("https", listen.host, servers[1].server_port) if material else None,
        ca_file=material.ca_file if material else None, app=app, _servers=servers, _tls=material)

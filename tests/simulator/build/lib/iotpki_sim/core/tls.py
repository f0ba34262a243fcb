"""TLS material for the HTTPS listener: a fresh CA and a server certificate, written to a directory."""

from __future__ import annotations

import dataclasses
import datetime
import os
import shutil
import ssl
import tempfile
from typing import Optional

from iotpki_sim.core import pki


@dataclasses.dataclass
class TlsMaterial:
    """Files and SSL context of one simulator run."""

    context: ssl.SSLContext
    ca_file: str
    directory: str
    owns_directory: bool

    def cleanup(self) -> None:
        """Remove the directory if the simulator created it."""
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def _write(path: str, text: str, private: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with os.fdopen(os.open(path, flags, 0o600 if private else 0o644), "w", encoding="ascii") as handle:
        handle.write(text)


def prepare(directory: Optional[str], hosts: list[str]) -> TlsMaterial:
    """Generate ca.pem, server.pem and server-key.pem for `hosts` and build a server SSL context."""
    owns = directory is None
    target = directory or tempfile.mkdtemp(prefix="iotpki-sim-tls-")
    os.makedirs(target, exist_ok=True)
    ca = pki.make_ca(pki.make_name(("O", "iotpki simulator"), ("CN", "iotpki simulator TLS CA")), "ec", days=365)
    key = pki.new_key("ec")
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = pki.issue(ca, pki.make_name(("CN", hosts[0])), key.public_key(), now - pki.DAY, now + 365 * pki.DAY,
                     san=hosts)
    ca_file = os.path.join(target, "ca.pem")
    cert_file = os.path.join(target, "server.pem")
    key_file = os.path.join(target, "server-key.pem")
    _write(ca_file, ca.pem)
    _write(cert_file, pki.Authority(key=key, cert=cert).pem)
    _write(key_file, pki.key_to_pem(key), private=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return TlsMaterial(context=context, ca_file=ca_file, directory=target, owns_directory=owns)

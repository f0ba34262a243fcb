"""Listeners and CLI: output contract, TLS with the generated CA, keep-alive, throughput, clean stop."""

from __future__ import annotations

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time

import pytest
from iotpki_sim.server import start_simulator
from sim_helpers import IOTDA_TOKEN, PROJECT

COMMAND = [sys.executable, "-m", "iotpki_sim"]


def test_cli_contract_and_sigterm(tmp_path):
    """First line is the HTTP URL; with --tls the HTTPS URL and CA file follow; SIGTERM exits 0."""
    command = COMMAND + ["--port", "0", "--tls", "--tls-dir", str(tmp_path), "--iotda-mode", "basic"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        http_line = proc.stdout.readline().strip()
        https_line = proc.stdout.readline().strip()
        ca_line = proc.stdout.readline().strip()
        assert http_line.startswith("simulator listening on http://127.0.0.1:")
        assert https_line.startswith("simulator listening on https://127.0.0.1:")
        assert ca_line == "simulator CA file: %s" % (tmp_path / "ca.pem")
        port = int(https_line.rsplit(":", 1)[1])
        context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        for host in ("127.0.0.1", "localhost"):
            conn = http.client.HTTPSConnection(host, port, context=context, timeout=10)
            conn.request("GET", "/_sim/config")
            assert json.loads(conn.getresponse().read())["iotda_mode"] == "basic"
            conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_cli_help_and_verbose():
    """--help lists the defaults; --verbose logs requests without secrets; SIGINT exits 0."""
    usage = subprocess.run(COMMAND + ["--help"], capture_output=True, text=True, check=True).stdout
    for text in ("--iotda-access-key", "SIMIOTDAAK0000000001", "--enos-org-id", "o15000000000001", "instance"):
        assert text in usage
    with subprocess.Popen(COMMAND + ["--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/v5/iot/%s/certificates" % PROJECT, headers={"X-Auth-Token": IOTDA_TOKEN})
        assert conn.getresponse().read()
        conn.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        errors = proc.stderr.read()
    assert "/certificates -> 200 auth=token" in errors and IOTDA_TOKEN not in errors


def test_keep_alive_throughput(sim):
    """Many GETs on one keep-alive connection; reports the rate (expect well over 1,000/s on one core)."""
    conn = http.client.HTTPConnection("127.0.0.1", int(sim.url.rsplit(":", 1)[1]), timeout=10)
    headers = {"X-Auth-Token": IOTDA_TOKEN}
    count = 1000
    started = time.monotonic()
    for _attempt in range(count):
        conn.request("GET", "/v5/iot/%s/certificates?limit=10" % PROJECT, headers=headers)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and resp.getheader("Content-Length")
    rate = count / (time.monotonic() - started)
    conn.close()
    print("keep-alive GET rate: %.0f requests/s" % rate)
    assert rate > 200


def test_chunked_body_and_head(client, sim):
    """A chunked request body is read; HEAD answers headers only."""
    conn = http.client.HTTPConnection("127.0.0.1", int(sim.url.rsplit(":", 1)[1]), timeout=10)
    body = json.dumps({"content": "not a pem"}).encode()
    conn.request("POST", "/v5/iot/%s/certificates" % PROJECT, body=iter([body[:5], body[5:]]),
                 headers={"X-Auth-Token": IOTDA_TOKEN, "Transfer-Encoding": "chunked",
                          "Content-Type": "application/json"}, encode_chunked=True)
    reply = conn.getresponse()
    assert reply.status == 400 and json.loads(reply.read())["error_code"] == "IOTDA.014301"
    conn.request("HEAD", "/_sim/config")
    head = conn.getresponse()
    assert head.status == 200 and head.read() == b"" and int(head.getheader("Content-Length")) > 0
    conn.close()


def test_start_options():
    """Unknown options and bad settings are rejected; options reach the runtime config and credentials."""
    with pytest.raises(TypeError):
        start_simulator(colour="blue")
    with pytest.raises(ValueError):
        start_simulator(iotda_mode="gold")
    with start_simulator(iotda_mode="basic", enos_token_ttl=60, iotda_auth_token="other") as handle:
        assert handle.https_url is None and handle.ca_file is None
        assert handle.state.config["enos_token_ttl"] == 60
        conn = http.client.HTTPConnection("127.0.0.1", int(handle.url.rsplit(":", 1)[1]), timeout=10)
        conn.request("GET", "/v5/iot/%s/certificates" % PROJECT, headers={"X-Auth-Token": "other"})
        assert conn.getresponse().status == 200
        conn.close()


def test_in_process_tls():
    """start_simulator(tls=True) serves HTTPS with a CA file that is removed on stop()."""
    handle = start_simulator(tls=True)
    ca_file = handle.ca_file
    try:
        context = ssl.create_default_context(cafile=ca_file)
        conn = http.client.HTTPSConnection("localhost", int(handle.https_url.rsplit(":", 1)[1]), context=context)
        conn.request("GET", "/_sim/health")
        assert json.loads(conn.getresponse().read()) == {"status": "ok"}
        conn.close()
    finally:
        handle.stop()
    assert not os.path.exists(ca_file)

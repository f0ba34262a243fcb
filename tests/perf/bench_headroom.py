# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 4, simulator headroom: how many requests per second the simulator answers on its own.

Keep-alive clients (one socket per thread, a pre-built request, minimal response parsing) send the
cheapest authenticated call, the show of one device certificate with ``X-Auth-Token``, from 1 and
from 4 threads for a bounded time and count, to the loopback address only. The clients run in this
process (one GIL) on the same two cores as the simulator, so the figures are a lower bound.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

from benchlib import IOTDA_AUTH_TOKEN, IOTDA_PROJECT_ID, BenchError, log, summary

MAX_REQUESTS_PER_THREAD = 200000


def _client(host, port, request, deadline, counts, errors, index):
    done = 0
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reader = sock.makefile('rb')
            while done < MAX_REQUESTS_PER_THREAD and time.perf_counter() < deadline:
                sock.sendall(request)
                status = reader.readline()
                if not status.startswith(b'HTTP/1.1 200'):
                    raise BenchError('unexpected answer: %r' % status)
                length = 0
                while True:
                    line = reader.readline()
                    if line in (b'\r\n', b'\n', b''):
                        break
                    if line.lower().startswith(b'content-length:'):
                        length = int(line.split(b':', 1)[1])
                if length:
                    reader.read(length)
                done += 1
    except (OSError, BenchError, ValueError) as error:
        errors.append('%s: %s' % (type(error).__name__, error))
    counts[index] = done


def hammer(url, path, threads, seconds):
    """Requests per second answered to ``threads`` keep-alive clients within ``seconds``."""
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname, parsed.port
    if host not in ('127.0.0.1', 'localhost', '::1'):
        raise BenchError('the headroom test only targets the loopback address, not %s' % host)
    request = ('GET %s HTTP/1.1\r\nHost: %s:%d\r\nX-Auth-Token: %s\r\nAccept: application/json\r\n\r\n'
               % (path, host, port, IOTDA_AUTH_TOKEN)).encode('ascii')
    counts = [0] * threads
    errors = []
    start = time.perf_counter()
    deadline = start + seconds
    workers = [threading.Thread(target=_client, args=(host, port, request, deadline, counts, errors, index))
               for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 60)
    elapsed = time.perf_counter() - start
    if errors:
        raise BenchError('headroom client failed: %s' % errors[0])
    return sum(counts) / elapsed, sum(counts)


def run(sim, rounds, seconds):
    sim.reset()
    certificate = sim.seed_device_certificates(generate={'count': 1, 'common_name_prefix': 'perf-headroom-'})['created'][0]
    path = '/v5/iot/%s/device-certificates/%s' % (IOTDA_PROJECT_ID, certificate['certificate_id'])
    rates = {1: [], 4: []}
    totals = {1: 0, 4: 0}
    for round_index in range(rounds):
        for threads in ((1, 4) if round_index % 2 == 0 else (4, 1)):
            rate, count = hammer(sim.url, path, threads, seconds)
            rates[threads].append(rate)
            totals[threads] += count
        sim.clear_requests()
        log('headroom: round %d/%d: 1 thread %.0f req/s, 4 threads %.0f req/s'
            % (round_index + 1, rounds, rates[1][-1], rates[4][-1]))
    sim.reset()
    return {'seconds_per_run': seconds, 'threads': {str(threads): summary(rates[threads]) for threads in rates},
            'requests_sent': totals}

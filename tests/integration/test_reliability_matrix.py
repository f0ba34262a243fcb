# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reliability fault matrix: every module and the lookup under every fault, with real ansible-playbook.

One cell = one module call (a row) with one fault (a column), run as one inventory host of
``playbooks/reliability_matrix.yml``; all cells run at the same time, each with a fault that only
its own requests match (IoTDA ``Instance-Id``, EnOS ``assetId``). For each cell the test records:

- the outcome: succeeded (after retries), or failed clearly (SPEC section 5 shape: ``msg`` and
  ``error`` with platform/method/url/http_status/code/message/request_id/retryable; no traceback);
- how many of its requests reached the simulator, how many were writes, and how many writes took
  effect (a fault injected before processing refuses the write; ``after_processing`` and delays
  let it happen and lose the answer);
- what the platform holds after the fault phase (a POST write happened at most once: one CA record,
  one verification, one revocation) and after a re-run without the fault (it converges, and a write
  that already happened is not repeated).

The matrix is written to ``tests/output/reliability/matrix.json``; ``tests/tools/gen_reliability_doc.py``
turns it into ``docs/reliability.md``, and this test fails when the committed document no longer says
what the run found (regenerate it with the command the failure prints).
"""

from __future__ import annotations

import collections
import datetime
import email.utils
import functools
import json
import os

import gen_reliability_doc
from iotpki_test.certificates import issue
from iotpki_test.paths import REPO

RESULTS_DIR = os.path.join(REPO, 'tests', 'output', 'reliability')
MATRIX_FILE = os.path.join(RESULTS_DIR, 'matrix.json')
DOC = os.path.join(REPO, 'docs', 'reliability.md')

TIMEOUT_CELL = 3  # the module's timeout in the read-timeout cells, seconds (room for a loaded machine)
DELAY_CELL = 6  # the fault's delay there
SETTLE_SECONDS = DELAY_CELL + 1  # between the phases: every delayed request has been answered
HTML_PAGE = ('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>'
             '<hr><center>nginx</center></body></html>')
NO_TRACEBACK = '(traceback unavailable)'
ERROR_KEYS = {'platform', 'method', 'url', 'http_status', 'code', 'message', 'request_id', 'retryable'}


class Fault(collections.namedtuple('Fault', 'key title spec retries timeout retry_after_date bad_secret enos_only')):
    """A column: the fault spec (without its match), and the options of the module call under it."""

    @property
    def applied_after_processing(self):
        """Whether a write under this fault takes effect on the platform (the answer is what fails)."""
        spec = self.spec or {}
        return bool(spec.get('after_processing')) or (bool(spec) and set(spec) <= {'delay', 'count'})


def fault(key, title, spec, retries=1, timeout=30, retry_after_date=None, bad_secret=False, enos_only=False):
    return Fault(key, title, spec, retries, timeout, retry_after_date, bad_secret, enos_only)


FAULTS = [
    fault('500', 'HTTP 500 once (after the platform acted)', {'status': 500, 'after_processing': True}),
    fault('503x3', 'HTTP 503 three times (retries 3)', {'status': 503, 'count': 3}, retries=3),
    fault('429s', 'HTTP 429, Retry-After: 2', {'status': 429, 'retry_after': '2'}),
    fault('429d', 'HTTP 429, Retry-After: an HTTP-date 5 s ahead', {'status': 429}, retry_after_date=5),
    fault('drop', 'connection dropped before the answer (after the platform acted)', {'drop': True, 'after_processing': True}),
    fault('timeout', 'read timeout (answer delayed %d s, timeout %d s)' % (DELAY_CELL, TIMEOUT_CELL), {'delay': DELAY_CELL},
          timeout=TIMEOUT_CELL),
    fault('malformed', 'malformed JSON in an HTTP 200 (after the platform acted)',
          {'status': 200, 'body': '{"certificates": [{"certificate_id": ', 'after_processing': True}),
    fault('html', 'HTML error page, HTTP 502 twice (retries 1)', {'status': 502, 'count': 2, 'body': HTML_PAGE, 'content_type': 'text/html'}),
    fault('401', 'wrong secret key (IoTDA: HTTP 401, bad signature; EnOS: the token service refuses, code 1003)', None, bad_secret=True),
    fault('expired401', 'EnOS access token expired (HTTP 401, code 1203)', {'status': 401}, enos_only=True),
    fault('expired1203', 'EnOS access token expired (HTTP 200, code 1203)', {'enos_code': 1203, 'msg': 'access token expired'},
          enos_only=True),
    fault('99500', 'EnOS business error in an HTTP 200 (code 99500)', {'enos_code': 99500, 'msg': ' Internal Server Error'}, enos_only=True),
]


class Row(collections.namedtuple('Row', 'key title platform match write baseline failing_call_index')):
    """A line of the matrix: one module call, the call the fault is aimed at, and its request counts.

    ``baseline``: the cell's requests without a fault (EnOS: business requests, tokens apart).
    ``failing_call_index``: how many requests come before the faulted call (it is the next one).
    """


ROWS = [
    Row('ca_upload', 'iotda_ca_certificate: upload (POST /certificates)', 'iotda', {'method': 'POST', 'path': '/certificates'}, 'upload', 2, 1),
    Row('ca_verify', 'iotda_ca_certificate: verify (POST /certificates/{id}/action)', 'iotda', {'method': 'POST', 'path': '/action'}, 'verify', 2, 1),
    Row('device_put', 'iotda_device_certificate: deactivate (PUT /device-certificates/{id})', 'iotda', {'method': 'PUT'}, 'status', 2, 1),
    Row('info', 'iotda_certificate_info: list (GET /device-certificates)', 'iotda', {'method': 'GET'}, None, 1, 0),
    Row('lookup', 'lookup iotda_certificate: list (GET /device-certificates)', 'iotda', {'method': 'GET'}, None, 1, 0),
    Row('enos_revoke', 'enos_certificate_revoke: revoke (POST ?action=revoke)', 'enos', {'method': 'POST', 'query': {'action': 'revoke'}},
        'revoke', 3, 1),
    Row('enos_info', 'enos_certificate_info: list (GET ?action=list)', 'enos', {'method': 'GET', 'query': {'action': 'list'}}, None, 1, 0),
]
POST_ROWS = ('ca_upload', 'ca_verify', 'enos_revoke')


def cells():
    """(row, fault) of every cell, in matrix order."""
    return [(row, column) for row in ROWS for column in FAULTS if row.platform == 'enos' or not column.enos_only]


def cell_name(row, column):
    return 'rel-%s-%s' % (row.key.replace('_', '-'), column.key)


# ---------------------------------------------------------------------------------------------
# What each cell should do


def expected(row, column):
    """The expected fault-phase outcome: (succeeds, requests of the cell, write requests, writes applied)."""
    retryable = column.key in ('500', '503x3', '429s', '429d', 'drop', 'timeout')
    attempts_faulted = (column.spec or {}).get('count', 1)
    if column.key in ('expired401', 'expired1203'):
        # One new token, the refused request repeated once (the platform refused it: nothing happened).
        requests = row.baseline + 1
        write_requests = 2 if row.write else 0
        return True, requests, write_requests, 1 if row.write else 0
    if retryable and row.key not in POST_ROWS:
        requests = row.baseline + attempts_faulted
        writes = 1 + (attempts_faulted if column.applied_after_processing else 0) if row.write else 0
        return True, requests, (1 + attempts_faulted) if row.write else 0, writes
    if column.key == '401':
        return False, 0 if row.platform == 'enos' else 1, 0, 0
    # Fails at the faulted call: the requests before it, then the call (twice for HTML: retried once, unless a POST).
    tries = 2 if column.key == 'html' and row.key not in POST_ROWS else 1
    requests = row.failing_call_index + tries
    write_requests = tries if row.write else 0
    applied = 1 if row.write and column.applied_after_processing else 0
    return False, requests, write_requests, applied


# ---------------------------------------------------------------------------------------------
# Seeding


def seed(sim):
    """Seed what every cell works on; return the inventory host vars of each cell and the secrets to scan for."""
    hosts, secrets = {}, []
    matrix = cells()
    verify_cells = [c for c in matrix if c[0].key == 'ca_verify']
    verify_cas = sim.seed_ca_certificates(generate={'count': len(verify_cells), 'verified': False})['created']
    put_cells = [c for c in matrix if c[0].key == 'device_put']
    put_certs = sim.seed_device_certificates(generate={'count': len(put_cells), 'common_name_prefix': 'rel-put-', 'status': 'ACTIVE'})['created']
    enos_cells = [c for c in matrix if c[0].platform == 'enos']
    sim.seed_enos_devices([{'asset_id': cell_name(*c), 'product_key': 'rel-pk', 'device_key': cell_name(*c)} for c in enos_cells])
    sim.seed_enos_certificate(certificates=[{'asset_id': cell_name(*c), 'cert_sn': 61000 + i, 'status': 'valid', 'expires_in_days': 300}
                                            for i, c in enumerate(enos_cells)])
    for row, column in matrix:
        name = cell_name(row, column)
        spec = None
        if column.spec is not None:
            match = dict(row.match, platform=row.platform)
            if row.platform == 'iotda':
                match['instance_id'] = name
            else:
                match['query'] = dict(row.match.get('query', {}), assetId=name)
            spec = dict(column.spec, match=match)
        host = {
            'ansible_connection': 'local',
            'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            'cell_row': row.key,
            'cell_fault': column.key,
            'cell_fault_spec': spec,
            'cell_retries': column.retries,
            'cell_timeout': column.timeout,
        }
        if column.retry_after_date:
            host['cell_retry_after_date'] = column.retry_after_date
        if column.bad_secret:
            host['cell_bad_secret_key'] = 'wrong-secret-key-of-%s' % name
            secrets.append(host['cell_bad_secret_key'])
        if row.platform == 'iotda':
            host['cell_instance_id'] = name
        else:
            host['cell_asset_id'] = name
            host['cell_cert_sn'] = 61000 + enos_cells.index((row, column))
        if row.key == 'ca_upload':
            host['cell_content'] = issue(name, ca=True, days=3650, organization='iotpki reliability').pem
            host['cell_app_id'] = name
        elif row.key == 'ca_verify':
            ca = verify_cas[verify_cells.index((row, column))]
            host['cell_certificate_id'] = ca['certificate_id']
            host['cell_private_key'] = ca['private_key_pem']
            secrets.append(''.join(ca['private_key_pem'].splitlines()[1:-1])[:48])
        elif row.key == 'device_put':
            host['cell_certificate_id'] = put_certs[put_cells.index((row, column))]['certificate_id']
        elif row.key in ('info', 'lookup'):
            host['cell_common_name'] = name + '-'
            sim.seed_device_certificates(generate={'count': 2, 'common_name_prefix': name + '-'})
        hosts[name] = host
    return hosts, secrets


def write_inventory(path, hosts):
    inventory = {
        'all': {
            'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}},
            'children': {'cells': {'hosts': hosts}},
        }
    }
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)


# ---------------------------------------------------------------------------------------------
# Reading the run


def _when(entry):
    return datetime.datetime.strptime(entry['time'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc).timestamp()


def belongs_to(entry, row, name):
    if row.platform == 'iotda':
        return entry['platform'] == 'iotda' and entry.get('instance_id') == name
    return entry['platform'] == 'enos' and entry['query'].get('assetId') == name


def request_summary(entries, column):
    """Requests, write requests, writes that took effect, and the waits before retries of the faulted call."""
    writes = [e for e in entries if e['write']]
    applied = [e for e in writes if not e['fault'] or column.applied_after_processing]
    faulted = [e for e in entries if e['fault']]
    waits = []
    for entry in faulted:
        later = [e for e in entries if e['seq'] != entry['seq'] and e['method'] == entry['method'] and e['path'] == entry['path']
                 and _when(e) >= _when(entry) and e['query'].get('action') == entry['query'].get('action')]
        if later:
            waits.append(round(min(_when(e) for e in later) - _when(entry), 2))
    return {'requests': len(entries), 'write_requests': len(writes), 'writes_applied': len(applied), 'retry_waits': waits}


def failure_shape(result, row):
    """Problems with a failed result's shape (SPEC section 5); an empty list when it is right."""
    problems = []
    text = json.dumps(result, default=str)
    # ansible-core 2.19 puts "(traceback unavailable)" into every failed result: anything else is a traceback.
    if 'Traceback (most recent call last)' in text or result.get('exception', NO_TRACEBACK) != NO_TRACEBACK:
        problems.append('traceback in the result')
    if not isinstance(result.get('msg'), str) or not result['msg'].strip():
        problems.append('no msg')
    if row.key == 'lookup':
        return problems  # a lookup fails with AnsibleLookupError: the message only, no error dict
    error = result.get('error')
    if not isinstance(error, dict) or set(error) != ERROR_KEYS:
        problems.append('error is not {%s}: %r' % (', '.join(sorted(ERROR_KEYS)), error))
    elif not (error['method'] in result['msg'] and (error['http_status'] is None or str(error['http_status']) in result['msg'])):
        problems.append('msg does not name the method and HTTP status')
    return problems


def state_of(state, row, name, host):
    """What the platform holds for this cell, as one comparable value."""
    if row.key == 'ca_upload':
        return len([c for c in state['iotda']['ca_certificates'] if c.get('app_id') == name])
    if row.key == 'ca_verify':
        return next(bool(c['status']) for c in state['iotda']['ca_certificates'] if c['certificate_id'] == host['cell_certificate_id'])
    if row.key == 'device_put':
        return next(c['status'] for c in state['iotda']['device_certificates'] if c['certificate_id'] == host['cell_certificate_id'])
    if row.key == 'enos_revoke':
        cert = next(c for c in state['enos']['certificates'] if c['cert_sn'] == host['cell_cert_sn'])
        return '%s (%s)' % (cert['status'], cert['revoke_reason']) if cert.get('revoke_reason') else cert['status']
    return None


DONE_STATE = {'ca_upload': 1, 'ca_verify': True, 'device_put': 'INACTIVE', 'enos_revoke': 'revoked (KEY COMPROMISE)'}
INITIAL_STATE = {'ca_upload': 0, 'ca_verify': False, 'device_put': 'ACTIVE', 'enos_revoke': 'valid'}


def _check(problems, record, condition, what):
    if not condition:
        problems.append('%s / %s: %s (outcome %r, fault phase %s, re-run %s, states %s -> %s -> %s, message %r)' % (
            record['row'], record['fault'], what, record['outcome'], record['fault_phase'], record['rerun'], record['state_before'],
            record['state_after_fault'], record['state_after_rerun'], (record['message'] or '')[:300]))


# ---------------------------------------------------------------------------------------------


def test_fault_matrix(sim, run_playbook, tmp_path, extra_secrets):
    hosts, secrets = seed(sim)
    extra_secrets.extend(secrets)
    inventory = tmp_path / 'cells.json'
    write_inventory(str(inventory), hosts)
    outcomes_file = tmp_path / 'outcomes.json'
    # Every fault is queued now, except the HTTP-date ones: their date must be computed just before the call.
    for host in hosts.values():
        if host['cell_fault_spec'] is not None and 'cell_retry_after_date' not in host:
            sim.fault(**host['cell_fault_spec'])
    sim.clear_requests()
    initial_state = sim.state()

    run = run_playbook('reliability_matrix', extra_vars={'reliability_results': str(outcomes_file),
                                                         'reliability_settle_seconds': SETTLE_SECONDS},
                       env={'ANSIBLE_INVENTORY': str(inventory), 'ANSIBLE_FORKS': '24'})
    log = sim.requests()
    final_state = sim.state()
    outcomes = json.loads(outcomes_file.read_text(encoding='utf-8'))
    boundary = outcomes['fault_phase_last_seq']
    mid_state = outcomes.get('fault_phase_state')
    assert 'Traceback' not in run.stdout + run.stderr

    records, problems = [], []
    for row, column in cells():
        name = cell_name(row, column)
        host = hosts[name]
        cell = outcomes['cells'][name]
        mine = [e for e in log if belongs_to(e, row, name)]
        fault_phase = request_summary([e for e in mine if e['seq'] <= boundary], column)
        rerun_phase = request_summary([e for e in mine if e['seq'] > boundary], column)
        result, rerun = cell['fault']['result'], cell['rerun']['result']
        succeeded = not cell['fault']['failed']
        want_ok, want_requests, want_write_requests, want_applied = expected(row, column)
        record = {
            'row': row.key, 'row_title': row.title, 'fault': column.key, 'fault_title': column.title,
            'platform': row.platform, 'write_call': row.write,
            'outcome': (('succeeded after a new token' if column.key.startswith('expired') else 'succeeded after retry')
                        if column.spec and fault_phase['requests'] > row.baseline else 'succeeded') if succeeded
            else 'failed clearly',
            'message': None if succeeded else result.get('msg'),
            'warnings': result.get('warnings', []),
            'changed': bool(result.get('changed')),
            'fault_phase': fault_phase,
            'rerun': dict(rerun_phase, succeeded=not cell['rerun']['failed'], changed=bool(rerun.get('changed'))),
            'state_before': state_of(initial_state, row, name, host),
            'state_after_fault': state_of(mid_state, row, name, host) if mid_state else None,
            'state_after_rerun': state_of(final_state, row, name, host),
            'retry_after': outcomes['retry_after'].get(name),
        }
        if not succeeded:
            shape = failure_shape(result, row)
            record['error'] = result.get('error')
            if shape:
                record['outcome'] = 'FAILED BADLY: %s' % '; '.join(shape)
        records.append(record)

        check = functools.partial(_check, problems, record)

        check(succeeded == want_ok, 'expected %s' % ('success' if want_ok else 'a clear failure'))
        check(not record['outcome'].startswith('FAILED BADLY'), 'failure shape')
        check(fault_phase['requests'] == want_requests, 'expected %d requests, got %d' % (want_requests, fault_phase['requests']))
        check(fault_phase['write_requests'] == want_write_requests, 'expected %d write requests' % want_write_requests)
        check(fault_phase['writes_applied'] == want_applied, 'expected %d applied writes' % want_applied)
        check(not cell['rerun']['failed'], 're-run failed')
        if row.write:
            applied = want_applied > 0
            check(record['state_after_fault'] == (DONE_STATE[row.key] if applied else INITIAL_STATE[row.key]), 'state after the fault phase')
            check(record['state_after_rerun'] == DONE_STATE[row.key], 'state after the re-run')
            rerun_writes = 0 if applied else 1
            check(rerun_phase['writes_applied'] == rerun_writes, 're-run must write %d time(s)' % rerun_writes)
            check(record['rerun']['changed'] == (not applied), 're-run changed=%s' % (not applied))
        else:
            certificates = (rerun.get('certificates') or [])
            check(len(certificates) == (2 if row.platform == 'iotda' else 1), 're-run lists the seeded certificates')
        if column.key == '429s' and succeeded:
            check(min(fault_phase['retry_waits'] or [0]) >= 1.95, 'waited at least Retry-After')
        if column.key == '429d' and succeeded:
            faulted = next(e for e in mine if e['fault'])
            due = email.utils.parsedate_to_datetime(record['retry_after']).timestamp() - _when(faulted)
            check(fault_phase['retry_waits'] and fault_phase['retry_waits'][0] >= due - 0.05, 'waited until the Retry-After date')
        if column.key == '503x3' and succeeded:
            check(sum(fault_phase['retry_waits']) >= 1.7, 'exponential backoff (at least 0.25 + 0.5 + 1 s)')

    # EnOS tokens are not tied to a device: count them per phase. One per module run, one more per
    # expired-token cell; the wrong-secret cells' token requests are refused. Requests refused as a
    # replay (1001: two cells asked in the same millisecond) are asked again and counted apart.
    enos_cells = [(r, c) for r, c in cells() if r.platform == 'enos']
    token_log = [e for e in log if e['platform'] == 'enos-token']
    tokens = collections.Counter('fault' if e['seq'] <= boundary else 'rerun' for e in token_log if e['code'] != 1001)
    replayed = len([e for e in token_log if e['code'] == 1001])
    expired_cells = len([1 for _r, c in enos_cells if c.key.startswith('expired')])
    assert tokens == {'fault': len(enos_cells) + expired_cells, 'rerun': len(enos_cells)}, tokens

    matrix = {
        'generated_by': 'tests/integration/test_reliability_matrix.py::test_fault_matrix',
        'generated_at': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'rows': [row._asdict() for row in ROWS],
        'faults': [dict(column._asdict(), spec=column.spec) for column in FAULTS],
        'cells': records,
        'enos_token_requests': dict(tokens),
        'enos_token_requests_refused_as_replay': replayed,
        'total_requests': len(log),
        'leftover_faults_cleared': outcomes['leftover_faults'],
    }
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(MATRIX_FILE, 'w', encoding='utf-8') as handle:
        json.dump(matrix, handle, indent=2, sort_keys=True, default=str)
    assert not problems, '\n'.join(problems)

    committed = ''
    if os.path.exists(DOC):
        with open(DOC, encoding='utf-8') as handle:
            committed = handle.read()
    if os.environ.get('IOTPKI_WRITE_RELIABILITY_DOC'):
        gen_reliability_doc.write(matrix, DOC)
        return
    assert gen_reliability_doc.comparable(gen_reliability_doc.render(matrix)) == gen_reliability_doc.comparable(committed), (
        'docs/reliability.md does not match this run. Regenerate it from this run\'s results:\n'
        '  .venv/bin/python tests/tools/gen_reliability_doc.py %s -o docs/reliability.md' % os.path.relpath(MATRIX_FILE, REPO))

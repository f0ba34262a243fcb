# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write docs/reliability.md from the results of the reliability fault matrix.

    python tests/tools/gen_reliability_doc.py tests/output/reliability/matrix.json -o docs/reliability.md

The results file is written by tests/integration/test_reliability_matrix.py (``make integration``).
The document says only what that run found; values that differ from run to run (request ids,
certificate ids, ports, measured waits) are left out or replaced by placeholders, so that the test
can compare the committed document with a fresh run (``comparable``) and fail when they differ.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

GENERATED_PREFIX = 'Generated on '
COMMAND = 'python tests/tools/gen_reliability_doc.py tests/output/reliability/matrix.json -o docs/reliability.md'

_VOLATILE = [
    (re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'), '<request-id>'),
    (re.compile(r'\b[0-9a-f]{24}\b'), '<certificate-id>'),
    (re.compile(r'https?://127\.0\.0\.1:\d+'), '<simulator>'),
    (re.compile(r'connection lost before an answer: .*?(?= \(|$)'), 'connection lost before an answer: <reason>'),
    (re.compile(r'/v5/iot/[0-9a-f]{32}/'), '/v5/iot/<project>/'),
]


def normalise(text):
    """A message without the parts that change from run to run."""
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def _cell_mark(cell):
    """The short form of a cell in the overview grid."""
    phase = cell['fault_phase']
    if cell['outcome'].startswith('succeeded after a new token'):
        mark = 'ok, new token'
    elif cell['outcome'].startswith('succeeded after retry'):
        mark = 'ok, retried'
    elif cell['outcome'].startswith('succeeded'):
        mark = 'ok'
    elif cell['outcome'].startswith('failed clearly'):
        mark = 'failed clearly'
    else:
        mark = '**%s**' % cell['outcome']
    detail = '%d req' % phase['requests']
    if cell['write_call']:
        detail += ', %d write%s' % (phase['writes_applied'], '' if phase['writes_applied'] == 1 else 's')
    return '%s (%s)' % (mark, detail)


def _state(value):
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'verified' if value else 'not verified'
    if isinstance(value, int):
        return '%d CA record%s' % (value, '' if value == 1 else 's')
    return str(value)


def _rerun(cell):
    rerun = cell['rerun']
    if not rerun['succeeded']:
        return '**failed**'
    text = 'ok, %s, %d req' % ('changed' if rerun['changed'] else 'unchanged', rerun['requests'])
    if cell['write_call']:
        text += ', %d write%s' % (rerun['writes_applied'], '' if rerun['writes_applied'] == 1 else 's')
    return text


def _escape(text):
    return text.replace('|', '\\|').replace('\n', ' ')


def render(matrix):
    """The Markdown document for one matrix (the dict the test writes)."""
    faults = matrix['faults']
    rows = matrix['rows']
    by_key = {(c['row'], c['fault']): c for c in matrix['cells']}
    lines = [
        '# Reliability: the fault matrix',
        '',
        '<!-- Generated file: do not edit. Regenerate it with the command below. -->',
        '',
        '%s%s by `%s`,' % (GENERATED_PREFIX, matrix['generated_at'], COMMAND),
        'from the results of `%s` (run by `make integration`, against the simulator, with real `ansible-playbook`).' % matrix['generated_by'],
        'That test fails when this file no longer says what a run finds.',
        '',
        'Every module and the lookup run under every fault below. Each cell is one call, run as one inventory host of',
        '`tests/integration/playbooks/reliability_matrix.yml`; all cells run at the same time, each with a fault that only its',
        'own requests match. For each cell the test checks:',
        '',
        '- the outcome: success (after retries, or after a new EnOS token), or a clear failure: `msg` plus `error` with',
        '  `platform`, `method`, `url`, `http_status`, `code`, `message`, `request_id`, `retryable` (the lookup fails with the',
        '  message only), and no Python traceback in the result or the output;',
        '- the requests of the cell that reached the simulator (`req`), how many were writes, and how many writes took effect',
        '  on the platform (`write`): a fault injected before processing refuses the write; "after the platform acted" and',
        '  the delayed answer let it happen and lose the answer;',
        '- what the platform holds after the fault phase and after a re-run of the same task without the fault: the re-run',
        '  must succeed, reach the intended state, and not repeat a write that already took effect.',
        '',
        'A POST write (CA upload, CA verification, EnOS revocation) is never retried after it may have reached the platform:',
        'the cells with such a write show at most one write taking effect, and the re-run none. An expired EnOS token is the',
        'one case where a POST is sent twice: the platform refused the first one before acting (HTTP 401 or code 1203), the',
        'module fetched one new token and sent it again, and the revocation took effect once.',
        '',
        'Retry waits are checked too: at least `Retry-After` (seconds or HTTP-date) and the exponential backoff',
        '(0.25 + 0.5 + 1 s at least for three 503 answers). EnOS token requests are not tied to a device; they are counted',
        'per phase: %s.' % ', '.join('%s %s' % (count, phase) for phase, count in sorted(matrix['enos_token_requests'].items())),
        '',
        '## Overview',
        '',
        '| module: call | %s |' % ' | '.join(f['key'] for f in faults),
        '|---|%s' % ''.join('---|' for _f in faults),
    ]
    for row in rows:
        marks = [_cell_mark(by_key[(row['key'], f['key'])]) if (row['key'], f['key']) in by_key else 'n/a' for f in faults]
        lines.append('| %s | %s |' % (_escape(row['title']), ' | '.join(marks)))
    lines += ['', '## The faults', '', '| column | fault | module options in the cell |', '|---|---|---|']
    for f in faults:
        options = 'retries %d' % f['retries'] + (', timeout %s s' % f['timeout'] if f['timeout'] != 30 else '')
        if f['bad_secret']:
            options += ', a wrong `secret_key`'
        scope = ' (EnOS only)' if f['enos_only'] else ''
        lines.append('| %s | %s%s | %s |' % (f['key'], _escape(f['title']), scope, options))
    for row in rows:
        lines += ['', '## %s' % row['title'], '',
                  '| fault | outcome | req | write requests | writes | platform after the fault | re-run | platform after the re-run | message |',
                  '|---|---|---|---|---|---|---|---|---|']
        for f in faults:
            cell = by_key.get((row['key'], f['key']))
            if cell is None:
                continue
            phase = cell['fault_phase']
            lines.append('| %s | %s | %d | %d | %d | %s | %s | %s | %s |' % (
                f['key'], cell['outcome'], phase['requests'], phase['write_requests'], phase['writes_applied'],
                _state(cell['state_after_fault']), _rerun(cell), _state(cell['state_after_rerun']),
                _escape(normalise(cell['message'])) if cell['message'] else '-'))
    lines += ['', 'Placeholders in messages: `<request-id>`, `<certificate-id>`, `<project>` and `<reason>` stand for values that',
              'change from run to run.', '']
    return '\n'.join(lines)


def comparable(text):
    """The document without its generation time (what must match between the committed file and a run)."""
    return '\n'.join(line for line in text.splitlines() if not line.startswith(GENERATED_PREFIX)).strip()


def write(matrix, path):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(render(matrix))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('results', help='the matrix JSON written by tests/integration/test_reliability_matrix.py')
    parser.add_argument('-o', '--output', help='write the document here (default: standard output)')
    parser.add_argument('--check', action='store_true', help='exit 1 when --output differs from what the results give')
    args = parser.parse_args(argv)
    with open(args.results, encoding='utf-8') as handle:
        matrix = json.load(handle)
    document = render(matrix)
    if args.check:
        with open(args.output, encoding='utf-8') as handle:
            same = comparable(handle.read()) == comparable(document)
        print('%s %s the results' % (args.output, 'matches' if same else 'does not match'))
        return 0 if same else 1
    if args.output:
        write(matrix, args.output)
    else:
        sys.stdout.write(document)
    return 0


if __name__ == '__main__':
    sys.exit(main())

# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-harness callback: every task result as one JSON line (tests/integration/conftest.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: iotpki_results
type: notification
short_description: Write each task result as a JSON line (integration test harness)
description:
  - Used by the integration test harness of iotpki.certificates, not meant for users.
  - Appends one JSON object per task result and per host to the file named by
    E(IOTPKI_RESULTS_FILE), and a final object with the play statistics.
  - Does nothing when E(IOTPKI_RESULTS_FILE) is not set.
options:
  results_file:
    description: The file the JSON lines are appended to.
    type: path
    env:
      - name: IOTPKI_RESULTS_FILE
requirements:
  - enabled with E(ANSIBLE_CALLBACKS_ENABLED)
"""

import json

from ansible.plugins.callback import CallbackBase


def _attr(obj, public, private):
    """Read a TaskResult attribute under its 2.19 public name, or its older private one."""
    try:
        return getattr(obj, public)
    except AttributeError:
        return getattr(obj, private)


class CallbackModule(CallbackBase):
    """Write task results as JSON lines."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'iotpki_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = None
        self._play = None

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._path = self.get_option('results_file')

    def _write(self, record):
        if not self._path:
            return
        with open(self._path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(record, default=str, sort_keys=True) + '\n')

    def _task_result(self, result, status, ignored=False):
        task = _attr(result, 'task', '_task')
        host = _attr(result, 'host', '_host')
        data = dict(_attr(result, 'result', '_result'))
        self._write({
            'event': 'task',
            'status': status,
            'play': self._play,
            'task': task.get_name(),
            'action': task.action,
            'host': host.get_name(),
            'changed': bool(data.get('changed', False)),
            'failed': status in ('failed', 'unreachable'),
            'skipped': status == 'skipped',
            'ignored': ignored,
            'result': data,
        })

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_runner_on_ok(self, result):
        data = _attr(result, 'result', '_result')
        self._task_result(result, 'changed' if data.get('changed', False) else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._task_result(result, 'failed', ignored=bool(ignore_errors))

    def v2_runner_on_skipped(self, result):
        self._task_result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._task_result(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        summary = {}
        for host in sorted(stats.processed):
            summary[host] = stats.summarize(host)
        self._write({'event': 'stats', 'stats': summary})

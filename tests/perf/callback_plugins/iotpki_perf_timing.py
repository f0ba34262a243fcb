# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback: how long each task took, written as JSON to ``$IOTPKI_PERF_TIMINGS``."""

from __future__ import annotations

DOCUMENTATION = """
name: iotpki_perf_timing
type: aggregate
short_description: Task durations for the iotpki.certificates benchmark
description:
  - Records, for every task result, the seconds from the task's start to its result, and writes them
    as JSON to the file named by the environment variable E(IOTPKI_PERF_TIMINGS) when the playbook ends.
  - Used by C(tests/perf/run.py) only.
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Task start to result, per task (one host: localhost)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'iotpki_perf_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}
        self._tasks = []
        self._play_start = None

    def v2_playbook_on_play_start(self, play):
        self._play_start = time.perf_counter()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.perf_counter()  # pylint: disable=protected-access

    def _record(self, result, status):
        task = result._task  # pylint: disable=protected-access
        end = time.perf_counter()
        start = self._started.get(task._uuid, end)  # pylint: disable=protected-access
        data = result._result  # pylint: disable=protected-access
        entry = {'name': task.get_name(), 'action': task.action, 'status': status, 'duration': end - start,
                 'changed': bool(data.get('changed'))}
        for key in ('returned', 'total'):
            if isinstance(data.get(key), int):
                entry[key] = data[key]
        self._tasks.append(entry)

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('IOTPKI_PERF_TIMINGS')
        if not path:
            return
        play = time.perf_counter() - self._play_start if self._play_start else None
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump({'tasks': self._tasks, 'play_seconds': play}, handle)

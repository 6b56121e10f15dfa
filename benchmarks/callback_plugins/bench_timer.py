# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-task and per-host wall times of one ansible-playbook run, written as JSON for the benchmarks."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Records when each task started and when each host's result arrived
description:
  - Used by the scripts in benchmarks/ only. ansible-core has no per-task timer of its own.
  - A task's wall time runs from its start to the last host result the controller received for it,
    which is what a person watching the run waits for.
  - The JSON goes to the file named by the environment variable E(MFA_AWS_BENCH_TIMINGS) when the play recap
    is reached; without that variable nothing is written.
requirements:
  - enabled with C(callbacks_enabled) (or E(ANSIBLE_CALLBACKS_ENABLED)) and found through E(ANSIBLE_CALLBACK_PLUGINS)
"""

TIMINGS_ENV = "MFA_AWS_BENCH_TIMINGS"
MESSAGE_LIMIT = 300


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started = time.monotonic()
        self._tasks: list[dict[str, Any]] = []
        self._by_uuid: dict[str, dict[str, Any]] = {}

    # -- tasks ---------------------------------------------------------------------------------------

    def _task_started(self, task: Any) -> None:
        entry = {
            "name": task.get_name(),
            "action": task.action,
            "started": time.monotonic() - self._started,
            "hosts": {},
        }
        self._tasks.append(entry)
        self._by_uuid[task._uuid] = entry

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._task_started(task)

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self._task_started(task)

    def v2_runner_on_start(self, host: Any, task: Any) -> None:
        entry = self._by_uuid.get(task._uuid)
        if entry is not None:
            entry["hosts"].setdefault(host.get_name(), {})["started"] = time.monotonic() - self._started

    # -- results -------------------------------------------------------------------------------------

    def _host_result(self, result: Any, status: str) -> None:
        entry = self._by_uuid.get(result._task._uuid)
        if entry is None:
            return
        host = entry["hosts"].setdefault(result._host.get_name(), {})
        host["ended"] = time.monotonic() - self._started
        host["status"] = status
        # The raw return data where ansible-core (2.19) keeps it: `result.result` would first convert the
        # whole of it for callbacks, which for 100,000 buckets takes longer than some of the tasks timed.
        payload = getattr(result, "_return_data", None)
        if not isinstance(payload, dict):
            payload = result._result if isinstance(result._result, dict) else {}
        if isinstance(payload.get("count"), int):
            host["count"] = payload["count"]
        if isinstance(payload.get("buckets"), list):
            host["buckets"] = len(payload["buckets"])
        if status != "ok" and payload.get("msg"):
            host["msg"] = str(payload["msg"])[:MESSAGE_LIMIT]

    def v2_runner_on_ok(self, result: Any) -> None:
        self._host_result(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._host_result(result, "failed")

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._host_result(result, "skipped")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._host_result(result, "unreachable")

    # -- the end -------------------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats: Any) -> None:
        path = os.environ.get(TIMINGS_ENV)
        if not path:
            return
        document = {"recap_at": time.monotonic() - self._started, "tasks": self._tasks}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1)

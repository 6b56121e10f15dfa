"""The pytest side of a mutation run, loaded with `-p tests.mutation.plugin` (tests/mutation/runner.py).

Inert unless the runner sets its variables, so loading it changes nothing in an ordinary run.

MFA_AWS_MUTATION_PLAN    JSON {"order": [test ids], "only": bool, "limits": {test id: seconds}}: tests run in
                         this order (the quickest first), with "only" no others, and a test still running past
                         its limit ends the run at once, with exit status TIMED_OUT
MFA_AWS_MUTATION_RECORD  where to write, as JSON, each test's outcome and seconds, the first failure, and the
                         test that ran past its limit
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

PLAN_ENV = "MFA_AWS_MUTATION_PLAN"
RECORD_ENV = "MFA_AWS_MUTATION_RECORD"
#: The exit status of a run ended by a test past its limit (timeout(1)'s).
TIMED_OUT = 124

_outcomes: dict[str, dict[str, object]] = {}
_first_failure: list[str] = []
_limits: dict[str, float] = {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plan_file = os.environ.get(PLAN_ENV)
    if not plan_file:
        return
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    _limits.update(plan.get("limits", {}))
    # targets.toml's `deselect`: test ids, or prefixes of them, this file's runs leave out.
    left_out = tuple(plan.get("deselect", ()))
    if left_out:
        dropped = [item for item in items if item.nodeid.startswith(left_out)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if not item.nodeid.startswith(left_out)]
    position = {nodeid: index for index, nodeid in enumerate(plan["order"])}
    if plan["only"]:
        dropped = [item for item in items if item.nodeid not in position]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid in position]
    # Tests the plan does not know yet (new ones) run after the known ones, in their collected order.
    unknown = len(position)
    items.sort(key=lambda item: position.get(item.nodeid, unknown))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # A mutant can make a test wait forever (a blocking read, a loop that never ends): ending the run as soon as
    # one test is far past its clean time beats waiting for the whole run's limit. The test's own call only: a
    # fixture shared by a file's tests (module_ansible's one playbook run) is set up by whichever of them runs
    # first, which is not the same test in every order; the whole run's limit still bounds a setup that hangs.
    limit = _limits.get(item.nodeid)
    timer = threading.Timer(limit, _time_out, args=(item.nodeid, limit)) if limit else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()


def _time_out(nodeid: str, limit: float) -> None:
    _write_record(timed_out=f"{nodeid} (past its {limit:g} s limit)")
    # From this thread no exception reaches the test; the runner ends what the test started.
    os._exit(TIMED_OUT)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not os.environ.get(RECORD_ENV):
        return
    entry = _outcomes.setdefault(report.nodeid, {"outcome": "passed", "seconds": 0.0})
    entry["seconds"] = float(entry["seconds"]) + report.duration  # type: ignore[arg-type]
    if report.failed:
        entry["outcome"] = "failed"
        if not _first_failure:
            _first_failure.append(report.nodeid)
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # A mutant that breaks an import fails here, before any test runs.
    if os.environ.get(RECORD_ENV) and report.failed and not _first_failure:
        _first_failure.append(f"{report.nodeid or '<collection>'} (collection)")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _write_record(timed_out=None)


def _write_record(timed_out: str | None) -> None:
    record = os.environ.get(RECORD_ENV)
    if record:
        Path(record).write_text(
            json.dumps(
                {
                    "tests": _outcomes,
                    "first_failure": _first_failure[0] if _first_failure else None,
                    "timed_out": timed_out,
                }
            ),
            encoding="utf-8",
        )

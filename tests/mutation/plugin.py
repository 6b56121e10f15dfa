"""The pytest side of a mutation run, loaded with `-p tests.mutation.plugin` (tests/mutation/runner.py).

Inert unless the runner sets its variables, so loading it changes nothing in an ordinary run.

MFA_AWS_MUTATION_PLAN    JSON {"order": [test ids], "only": bool}: tests run in this order (the quickest first),
                         and with "only", no others
MFA_AWS_MUTATION_RECORD  where to write, as JSON, each test's outcome and seconds, and the first failure
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PLAN_ENV = "MFA_AWS_MUTATION_PLAN"
RECORD_ENV = "MFA_AWS_MUTATION_RECORD"

_outcomes: dict[str, dict[str, object]] = {}
_first_failure: list[str] = []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plan_file = os.environ.get(PLAN_ENV)
    if not plan_file:
        return
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    position = {nodeid: index for index, nodeid in enumerate(plan["order"])}
    if plan["only"]:
        dropped = [item for item in items if item.nodeid not in position]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid in position]
    # Tests the plan does not know yet (new ones) run after the known ones, in their collected order.
    unknown = len(position)
    items.sort(key=lambda item: position.get(item.nodeid, unknown))


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
    record = os.environ.get(RECORD_ENV)
    if record:
        Path(record).write_text(
            json.dumps({"tests": _outcomes, "first_failure": _first_failure[0] if _first_failure else None}),
            encoding="utf-8",
        )

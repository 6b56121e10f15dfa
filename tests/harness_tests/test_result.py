"""PlaybookResult on its own: recap parsing, call counting, failure messages."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import PlaybookResult
from tests.harness.result import TAIL_LINES

RECAP = """\
PLAY RECAP *********************************************************************
host01                     : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
host02                     : ok=1    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0
"""


@dataclass(frozen=True)
class Call:
    action: str
    coded: bool
    account_id: str = "111111111111"


def make_result(stdout: str = "", rc: int = 0, calls: list[Call] | None = None) -> PlaybookResult:
    return PlaybookResult(
        command=["ansible-playbook", "play.yml"],
        rc=rc,
        stdout=stdout,
        stderr="",
        run_dir=Path("/nonexistent/run"),
        results_dir=Path("/nonexistent/run/results"),
        duration=0.1,
        calls=calls or [],
    )


def test_recap_by_host() -> None:
    recap = make_result("TASK [x] ***\nok: [host01]\n\n" + RECAP).recap
    assert recap["host01"] == {
        "ok": 2, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0
    }  # fmt: skip
    assert recap["host02"]["failed"] == 1


def test_no_recap_when_the_playbook_never_ran() -> None:
    assert make_result("ERROR! the playbook could not be parsed", rc=4).recap == {}


def test_count_filters_by_action_and_coded() -> None:
    calls = [Call("GetSessionToken", True), Call("GetSessionToken", False), Call("AssumeRole", True)]
    result = make_result(calls=calls)
    assert result.count() == 3
    assert result.count(action="GetSessionToken") == 2
    assert result.count(coded=True) == 2
    assert result.count(action="AssumeRole", coded=False) == 0


def test_failure_message_quotes_only_the_tail() -> None:
    stdout = "".join(f"line {n}\n" for n in range(500))
    with pytest.raises(AssertionError) as excinfo:
        make_result(stdout, rc=2).assert_ok()
    message = str(excinfo.value)
    assert f"last {TAIL_LINES} of 500 lines" in message
    assert "line 499" in message
    assert "line 100\n" not in message
    assert "command: ansible-playbook play.yml" in message

"""`python -m tests.matrix --side-by-side`, as `make test` runs the smoke suites: all at once, each one's output
whole, and each one's exit status kept."""

import sys

import pytest

from tests.matrix.__main__ import run_side_by_side
from tests.matrix.releases import Release

OLD = Release(core="2.16", pin="2.16.19", python="3.11")
NEW = Release(core="2.21", pin="2.21.5", python="3.13")


def printing(name: str, status: int) -> list[str]:
    """A stand-in suite that prints three lines, one at a time, then exits with `status`."""
    lines = "; ".join(f"print('{name} line {index}', flush=True)" for index in range(3))
    return [sys.executable, "-c", f"{lines}; raise SystemExit({status})"]


def test_each_suite_is_printed_whole_and_keeps_its_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = run_side_by_side({OLD: printing("old", 1), NEW: printing("new", 0)})
    assert [(pin, what, rc) for pin, what, _seconds, rc in outcomes] == [
        ("2.16.19", "smoke", 1),
        ("2.21.5", "smoke", 0),
    ]
    printed = capsys.readouterr().out
    for name, release in (("old", OLD), ("new", NEW)):
        whole = f"==> smoke suite on ansible-core {release.pin}: its output\n" + "".join(
            f"{name} line {index}\n" for index in range(3)
        )
        assert whole in printed, printed

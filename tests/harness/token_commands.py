"""A token command a test holds: it says when it runs, and prints the code only when the test releases it.

With it a test stops a process inside the device's lock (the command runs under it) for as long as it likes,
and sees what the others do meanwhile, without sleeping through time.
"""

import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# A guard, not a measure: a process that waits for something that never comes would hang the test.
GUARD = 120


def held_command(tmp_path: Path) -> tuple[str, Path, Path]:
    """A token command that notes each run in `runs`, then waits for the file `go` and prints what it holds."""
    runs, go = tmp_path / "runs", tmp_path / "go"
    script = tmp_path / "held-code"
    script.write_text(
        "#!/bin/sh\n"
        f"echo $$ >> {shlex.quote(str(runs))}\n"
        f"while [ ! -e {shlex.quote(str(go))} ]; do sleep 0.02; done\n"
        f"cat {shlex.quote(str(go))}\n"
    )
    script.chmod(0o700)
    return str(script), runs, go


def release(go: Path, code: str) -> None:
    """Let every held command print `code` (written whole, then renamed, so no command reads half of it)."""
    partial = go.with_suffix(".partial")
    partial.write_text(f"{code}\n")
    partial.rename(go)


def run_lines(runs: Path) -> list[str]:
    """The pids of the command's runs so far, in order."""
    return runs.read_text().split() if runs.exists() else []


def wait_until(condition: Callable[[], Any], what: str) -> None:
    """Poll until `condition()` holds; fail naming `what` after GUARD seconds."""
    deadline = time.monotonic() + GUARD
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)

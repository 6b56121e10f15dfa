"""Token commands for tests, each counting its runs in a file.

`token_command` prints the device's code of the moment, by the emulator's clock. `held_command` says when it runs
and prints the code only when the test releases it: with it a test stops a process inside the device's lock (the
command runs under it) for as long as it likes, and sees what the others do meanwhile, without sleeping through time.
"""

import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.paths import PYTHON, REPO_ROOT

# A guard, not a measure: a process that waits for something that never comes would hang the test.
GUARD = 120


#: The environment a run of `token_command` needs: it runs `python -m tests.emulator code`.
TOKEN_COMMAND_ENV = {"PYTHONPATH": str(REPO_ROOT)}


def token_command(world: Any, directory: Path) -> tuple[str, Path]:
    """An mfa_token_command that prints the device's code of the moment, by the emulator's clock, and counts its
    runs in a file (run with TOKEN_COMMAND_ENV)."""
    runs, script = directory / "token-command-runs", directory / "print-code.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"echo run >> {shlex.quote(str(runs))}\n"
        f"exec {shlex.quote(str(PYTHON))} -m tests.emulator code "
        f"--endpoint {world.emulator.endpoint_url} --serial {shlex.quote(world.mfa_serial)}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script), runs


def run_count(runs: Path) -> int:
    """How many times `token_command`'s command has run."""
    return len(runs.read_text(encoding="utf-8").splitlines()) if runs.exists() else 0


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

"""The command line a shell uses: `env` points it at a running emulator, `code --next` gives a new code once the
current one is spent, and a missing emulator is one line."""

import json
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_tests._aws import Keys, Served, client, emulator_cli
from tests.harness.terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(emulator_cli(*arguments), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    state_file = tmp_path / "emulator.json"
    process = subprocess.Popen(
        emulator_cli("serve", "--state-file", str(state_file)),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists():
            assert process.poll() is None, f"serve exited with {process.returncode}"
            assert time.monotonic() < deadline, "serve wrote no state file within 60 seconds"
            time.sleep(0.1)
        yield state_file, json.loads(state_file.read_text(encoding="utf-8"))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_env_prints_what_points_a_shell_at_the_demo_user(served: tuple[Path, dict[str, Any]]) -> None:
    state_file, state = served
    printed = _run("env", "--state-file", str(state_file))
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[0] == "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN"
    exported = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in lines[1:])
    world = state["world"]
    assert exported == {
        "AWS_ENDPOINT_URL": state["endpoint_url"],
        "AWS_DEFAULT_REGION": state["region"],
        "AWS_ACCESS_KEY_ID": world["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": world["secret_access_key"],
        "MFA_AWS_SERIAL_NUMBER": world["mfa_serial"],
    }


def test_env_on_a_terminal_shows_no_secret_key_and_says_how_to_set_them(
    served: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    state_file, state = served
    status, screen = Terminal().run(
        emulator_cli("env", "--state-file", str(state_file)), env={"PATH": "/usr/bin:/bin"}, cwd=ROOT, timeout=60
    )
    assert status == 0, screen
    assert state["world"]["secret_access_key"] not in screen
    assert "export AWS_SECRET_ACCESS_KEY=******" in screen
    assert f"export AWS_ACCESS_KEY_ID={state['world']['access_key_id']}" in screen
    assert f'eval "$(python -m tests.emulator env --state-file {state_file})"' in screen


def test_code_next_gives_a_new_code_once_the_current_one_is_spent(served: tuple[Path, dict[str, Any]]) -> None:
    state_file, state = served
    world = state["world"]
    sts = client(Served(state), "sts", Keys(world["access_key_id"], world["secret_access_key"]))
    current = _run("code", "--state-file", str(state_file)).stdout.strip()
    sts.get_session_token(SerialNumber=world["mfa_serial"], TokenCode=current)

    following = _run("code", "--state-file", str(state_file), "--next").stdout.strip()
    assert len(following) == 6 and following.isdigit() and following != current
    # The emulator's clock moved to the next step: that code is now the current one, and AWS takes it.
    assert _run("code", "--state-file", str(state_file)).stdout.strip() == following
    sts.get_session_token(SerialNumber=world["mfa_serial"], TokenCode=following)
    with pytest.raises(sts.exceptions.ClientError, match="invalid MFA one time pass code"):
        sts.get_session_token(SerialNumber=world["mfa_serial"], TokenCode=current)


def test_a_stopped_emulator_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "emulator.json"
    for command in (("code", "--state-file", str(missing)), ("env", "--state-file", str(missing))):
        done = _run(*command)
        assert done.returncode != 0
        assert done.stderr.strip() == (
            f"{missing} does not exist: start the emulator with `serve --state-file {missing}` first"
        )
    missing.write_text(json.dumps({"endpoint_url": "http://127.0.0.1:9", "world": {"mfa_serial": "x"}}))
    done = _run("code", "--state-file", str(missing))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert (
        done.stderr.startswith("the emulator at http://127.0.0.1:9 did not answer (") and done.stderr.count("\n") == 1
    )

"""The program's prompt on its controlling terminal: bounded, echo given back, nothing left for the shell.

Each case runs the prompt in a child process whose controlling terminal is a new pseudo-terminal, as a
person's shell would give it; the test types at the other end and reads the terminal's settings there.
"""

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

from tests.conftest import COLLECTIONS

ASK = """
import json, os, select, sys
from ansible_collections.mfa.aws.plugins.plugin_utils import _terminal
try:
    answer = _terminal.ask_on_tty("arn:aws:iam::111111111111:mfa/alice", None)
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
    sys.exit(0)
# What the shell would read next from the terminal, once the program is done.
tty = os.open("/dev/tty", os.O_RDONLY | os.O_NONBLOCK)
left = b""
while select.select([tty], [], [], 0.5)[0]:
    chunk = os.read(tty, 4096)
    if not chunk:
        break
    left += chunk
print(json.dumps({"answer": answer, "left": left.decode()}))
"""


def _take_the_terminal():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def on_terminal(script, env=None):
    """(process, the terminal's controller side): `script` runs with the terminal as its controlling one."""
    controller, worker = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=worker,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(COLLECTIONS.root), **(env or {})},
        start_new_session=True,
        preexec_fn=_take_the_terminal,  # nothing threaded runs before the exec
    )
    os.close(worker)
    return process, controller


def wait_for_prompt(controller, guard=30):
    screen = b""
    deadline = time.monotonic() + guard
    while b"MFA code for " not in screen:
        assert time.monotonic() < deadline, f"no prompt: {screen!r}"
        if select.select([controller], [], [], 0.1)[0]:
            screen += os.read(controller, 4096)
    # Echo is off before the prompt is written; reading starts right after.
    assert not termios.tcgetattr(controller)[3] & termios.ECHO
    return screen


def screen_left(controller):
    """What the program wrote to the terminal; once it has exited, reading may end in EIO."""
    screen = b""
    try:
        while select.select([controller], [], [], 0)[0]:
            chunk = os.read(controller, 4096)
            if not chunk:
                break
            screen += chunk
    except OSError:
        pass
    return screen


def outcome(process):
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    return json.loads(stdout)


def test_a_code_is_read_without_echo():
    process, controller = on_terminal(ASK)
    try:
        wait_for_prompt(controller)
        os.write(controller, b"123456\n")
        assert outcome(process) == {"answer": "123456", "left": ""}
        assert termios.tcgetattr(controller)[3] & termios.ECHO
    finally:
        os.close(controller)


def test_the_tail_of_a_line_over_256_bytes_is_not_left_for_the_shell():
    process, controller = on_terminal(ASK)
    try:
        wait_for_prompt(controller)
        os.write(controller, b"1" * 300 + b"\n")
        seen = outcome(process)
        assert seen["answer"] == "1" * 256 and seen["left"] == ""
    finally:
        os.close(controller)


def test_echo_comes_back_when_the_program_is_terminated_while_asking():
    process, controller = on_terminal(ASK)
    try:
        wait_for_prompt(controller)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGTERM  # it still dies of the signal, as its caller expects
        assert termios.tcgetattr(controller)[3] & termios.ECHO
    finally:
        os.close(controller)


# The prompt's time limit, with the collection's clock moved on instead of waiting: each reading of it is
# two minutes later than the one before.
MOVED_CLOCK = (
    """
import itertools, time
from ansible_collections.mfa.aws.plugins.plugin_utils import _terminal
ticks = itertools.count()
_terminal.time.monotonic = lambda: next(ticks) * 120.0
"""
    + ASK
)


def test_no_code_typed_within_the_limit_ends_the_prompt_in_one_line():
    process, controller = on_terminal(MOVED_CLOCK)
    try:
        seen = outcome(process)
        assert seen == {"error": "NoAnswer", "message": "no MFA code was typed within 120 seconds"}
        assert termios.tcgetattr(controller)[3] & termios.ECHO
    finally:
        os.close(controller)


@pytest.mark.parametrize("env", [{"MFA_AWS_NO_PROMPT": "1"}, {"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/1"}])
def test_where_no_one_can_answer_nothing_is_asked(env):
    # Under ansible-runner the job leads a session ansible-runner started, on a terminal no one reads: as here,
    # where the child leads its session with the mark in its environment.
    process, controller = on_terminal(ASK, env)
    try:
        assert outcome(process) == {"error": "NoTerminal", "message": "no one to ask"}
        assert b"MFA code for" not in screen_left(controller)
    finally:
        os.close(controller)

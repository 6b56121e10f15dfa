"""The program's prompt on a real pseudo-terminal: asked on the controlling terminal, typed unseen, echo given back.

Each test forks a child whose controlling terminal is a new pty (pty.fork); the parent plays the person at it,
reading the screen from the pty's master side and typing there. The child reports through a pipe.
"""

import json
import os
import pty
import select
import termios
import time

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.plugin_utils._terminal import TERMINAL_CONTROLLER, ask_on_tty

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
# A guard, not a measure: a child that waits for input no one gives would otherwise hang the test.
GUARD = 20


def _report(descriptor, value):
    os.write(descriptor, json.dumps(value).encode())
    os.close(descriptor)


def _child_asks(report, reason):
    try:
        answer = ask_on_tty(SERIAL, reason)
        echo = bool(termios.tcgetattr(0)[3] & termios.ECHO)
        _report(report, {"answer": answer, "echo_after": echo})
    except BaseException as error:  # everything goes back to the test, which fails with it
        _report(report, {"error": type(error).__name__, "message": str(error)})


def ask_on_a_pty(typed: bytes, reason=None, *, wait_for=b"MFA code for "):
    """Run ask_on_tty in a child on a new pty; type `typed` once the prompt shows. (screen, child's report)."""
    reader, report = os.pipe()
    pid, master = pty.fork()
    if pid == 0:
        os.close(reader)
        try:
            _child_asks(report, reason)
        finally:
            os._exit(0)
    os.close(report)
    screen = b""
    deadline = time.monotonic() + GUARD
    try:
        while wait_for not in screen:
            assert time.monotonic() < deadline, f"no prompt on the terminal: {screen!r}"
            if select.select([master], [], [], 0.1)[0]:
                screen += os.read(master, 1024)
        # Echo is off before the prompt is written, so what is typed now is never shown.
        os.write(master, typed)
        while True:
            assert time.monotonic() < deadline, f"the child did not finish: {screen!r}"
            ready = select.select([master], [], [], 0.1)[0]
            if not ready:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    pid = 0
                    break
                continue
            try:
                chunk = os.read(master, 1024)
            except OSError:  # EIO: the child closed the terminal's last slave side
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(master)
        if pid:
            os.waitpid(pid, 0)
    with os.fdopen(reader, "rb") as handle:
        return screen.decode(errors="replace"), json.loads(handle.read() or b"{}")


def test_the_code_is_read_without_echo_and_echo_is_given_back():
    screen, child = ask_on_a_pty(b"246813\n")
    assert child == {"answer": "246813", "echo_after": True}
    assert screen.startswith(f"MFA code for {SERIAL}: ")
    assert "246813" not in screen


def test_the_reason_is_shown_on_its_own_line_before_the_prompt():
    screen, child = ask_on_a_pty(b"654321\n", "AWS refused the MFA code")
    assert child["answer"] == "654321"
    assert screen.startswith(f"AWS refused the MFA code\r\nMFA code for {SERIAL}: ")


def test_spaces_around_the_code_are_dropped():
    _screen, child = ask_on_a_pty(b"  123456 \n")
    assert child["answer"] == "123456"


def test_a_line_is_read_no_further_than_256_bytes():
    # A pty's canonical mode delivers a line of up to 4095 bytes; only the first read's 256 are kept.
    _screen, child = ask_on_a_pty(b"7" * 300 + b"\n")
    assert child["answer"] == "7" * 256
    assert child["echo_after"] is True


def test_an_end_of_input_at_the_prompt_is_an_empty_answer():
    _screen, child = ask_on_a_pty(b"\x04")  # Ctrl-D, a new pty's end-of-file character
    assert child == {"answer": "", "echo_after": True}


def test_without_a_controlling_terminal_it_is_no_terminal_at_once():
    reader, report = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            os.setsid()  # a new session has no controlling terminal: /dev/tty can't be opened
            try:
                ask_on_tty(SERIAL, None)
            except NoTerminal as error:
                _report(report, {"error": "NoTerminal", "message": str(error)})
            else:
                _report(report, {"error": None})
        finally:
            os._exit(0)
    os.close(report)
    with os.fdopen(reader, "rb") as handle:
        child = json.loads(handle.read())
    os.waitpid(pid, 0)
    assert child == {"error": "NoTerminal", "message": "no terminal"}


def test_the_programs_controller_asks_on_the_terminal_and_locks_per_device():
    from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
    from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command

    assert TERMINAL_CONTROLLER.ask_code is ask_on_tty
    assert TERMINAL_CONTROLLER.lock is device_lock
    assert TERMINAL_CONTROLLER.read_code is run_token_command

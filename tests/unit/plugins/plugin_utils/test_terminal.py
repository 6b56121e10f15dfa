"""The program's prompt on a real pseudo-terminal: asked on the controlling terminal, typed unseen, echo given back,
bounded, nothing left for the shell; and where no one can answer, not asked at all.

Each case runs the prompt in a child process whose controlling terminal is a new pseudo-terminal, as a person's
shell would give it (a fork, pty.fork, or a new program that takes the terminal as it starts); the test plays the
person at the other end, reading the screen and typing there, and reads the terminal's settings there.
"""

import fcntl
import json
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import threading
import time

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.plugin_utils._terminal import ON_TERMINAL, ask_on_tty, no_one_to_ask
from tests.conftest import COLLECTIONS

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
# A guard, not a measure: a child that waits for input no one gives would otherwise hang the test.
GUARD = 20


def _report(descriptor, value):
    os.write(descriptor, json.dumps(value).encode())
    os.close(descriptor)


def _child_asks(report, reason, in_thread=False):
    try:
        if in_thread:
            answers = []
            asking = threading.Thread(target=lambda: answers.append(ask_on_tty(SERIAL, reason)))
            asking.start()
            asking.join()
            answer = answers[0]
        else:
            answer = ask_on_tty(SERIAL, reason)
        echo = bool(termios.tcgetattr(0)[3] & termios.ECHO)
        _report(report, {"answer": answer, "echo_after": echo})
    except BaseException as error:  # everything goes back to the test, which fails with it
        _report(report, {"error": type(error).__name__, "message": str(error)})


def ask_on_a_pty(typed: bytes, reason=None, *, wait_for=b"MFA code for ", in_thread=False):
    """Run ask_on_tty in a child on a new pty; type `typed` once the prompt shows. (screen, child's report)."""
    reader, report = os.pipe()
    pid, master = pty.fork()
    if pid == 0:
        os.close(reader)
        try:
            _child_asks(report, reason, in_thread)
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


def test_a_thread_other_than_the_main_one_asks_as_well():
    # Python runs signal handlers in the main thread alone: this one asks without them.
    _screen, child = ask_on_a_pty(b"135792\n", in_thread=True)
    assert child == {"answer": "135792", "echo_after": True}


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


def test_the_programs_controller_asks_on_the_terminal_and_locks_per_device(monkeypatch):
    # The lock and the command runner are loaded when first used; what they are handed reaches them unchanged.
    from ansible_collections.mfa.aws.plugins.plugin_utils import _lock, _token_command

    seen = []
    monkeypatch.setattr(_lock, "device_lock", lambda name: seen.append(("lock", name)) or "held")
    monkeypatch.setattr(_token_command, "run_token_command", lambda argv: seen.append(("run", argv)) or "123456")

    assert ON_TERMINAL.ask_code is ask_on_tty
    assert ON_TERMINAL.lock("arn:aws:iam::111111111111:mfa/alice") == "held"
    assert ON_TERMINAL.read_code(["pass", "otp"]) == "123456"
    assert seen == [("lock", "arn:aws:iam::111111111111:mfa/alice"), ("run", ["pass", "otp"])]


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
    # As a shell starts a program: whatever the test process ignores or blocks is not the program's to inherit.
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def signal_state(pid):
    """The signals a process blocks, ignores and catches (/proc), for a failure's message."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return " ".join(line.strip() for line in status if line.startswith(("SigBlk", "SigIgn", "SigCgt", "State")))
    except OSError:
        return "gone"


def on_terminal(script, env=None, via=()):
    """(process, the terminal's controller side): `script` runs with the terminal as its controlling one, in a
    session it leads, or that the command `via` leads and starts it from."""
    controller, worker = os.openpty()
    process = subprocess.Popen(
        [*via, sys.executable, "-c", script],
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


# A signal that comes as the prompt is shown, before the read starts waiting, is taken by Python's C handler at
# once and by the program's own handler only when Python next runs: had the read started waiting by then, with
# nothing to end the wait, it would go on until a line came or the prompt's two minutes ran out. A signal that
# another thread takes leaves the waiting thread in that state every time, so the program here has one.
TAKEN_BY_ANOTHER_THREAD = (
    """
import signal, threading
threading.Thread(target=threading.Event().wait, daemon=True).start()
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
"""
    + ASK
)


@pytest.mark.parametrize("script", [ASK, TAKEN_BY_ANOTHER_THREAD], ids=["while-it-waits", "before-the-wait"])
def test_echo_comes_back_when_the_program_is_terminated_while_asking(script):
    process, controller = on_terminal(script)
    try:
        wait_for_prompt(controller)
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            state = signal_state(process.pid)
            process.kill()
            raise AssertionError(f"the program outlived SIGTERM: {state}") from None
        assert process.returncode == -signal.SIGTERM  # it still dies of the signal, as its caller expects
        assert termios.tcgetattr(controller)[3] & termios.ECHO
        # The shell's next prompt starts on a line of its own, not after ours.
        assert screen_left(controller).endswith(b"\r\n")
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


def test_the_mark_passed_down_in_a_persons_session_still_asks():
    # ansible-navigator's stdout mode: the mark reaches the program alone, in the session of the person's shell.
    via = ["sh", "-c", 'AWX_ISOLATED_DATA_DIR=/runner/artifacts/1 "$@"; exit $?', "sh"]
    process, controller = on_terminal(ASK, via=via)
    try:
        wait_for_prompt(controller)
        os.write(controller, b"123456\n")
        assert outcome(process) == {"answer": "123456", "left": ""}
    finally:
        os.close(controller)


def test_a_session_that_cannot_be_looked_up_is_taken_for_ansible_runners(monkeypatch):
    monkeypatch.delenv("MFA_AWS_NO_PROMPT", raising=False)
    # No process has an ID past Linux's largest pid_max, 2**22: its session can't be looked up.
    gone = 2**22 + 1
    assert no_one_to_ask(gone) is None  # the session is looked at only under ansible-runner's mark
    monkeypatch.setenv("AWX_ISOLATED_DATA_DIR", "/runner/artifacts/1")
    assert no_one_to_ask(gone) == "ansible-runner's terminal is read by no one"


# A signal whose handler returns wakes the wait like any other; the program then waits again, and nothing
# tells it from a wait never woken but the count of waits, which the program here keeps.
LIVES_THROUGH_A_SIGNAL = (
    """
import select, signal, sys, types
from ansible_collections.mfa.aws.plugins.plugin_utils import _terminal
signal.signal(signal.SIGUSR1, lambda number, frame: print("handled", file=sys.stderr, flush=True))
waits = []
def counted(*arguments):
    waits.append(arguments)
    if len(waits) > 50:
        raise RuntimeError("the prompt spins instead of waiting")
    return select.select(*arguments)
_terminal.select = types.SimpleNamespace(select=counted)
"""
    + ASK
)


def waiting_or_gone(process, guard=30):
    """Return once the program has ended or sleeps in a wait for input, as the kernel says (/proc/PID/wchan)."""
    deadline = time.monotonic() + guard
    while process.poll() is None:
        with open(f"/proc/{process.pid}/wchan", encoding="ascii") as wchan:
            where = wchan.read()
        if "select" in where or "poll" in where:
            return
        assert time.monotonic() < deadline, f"the program neither waits nor ends: it is in {where!r}"
        time.sleep(0.01)


def test_a_signal_the_program_lives_through_leaves_it_waiting_for_the_code():
    process, controller = on_terminal(LIVES_THROUGH_A_SIGNAL)
    try:
        wait_for_prompt(controller)
        process.send_signal(signal.SIGUSR1)
        assert process.stderr.readline() == b"handled\n"
        waiting_or_gone(process)
        if process.poll() is None:
            os.write(controller, b"123456\n")
        assert outcome(process) == {"answer": "123456", "left": ""}
    finally:
        os.close(controller)


ASK_THEN_STATE = """
import json, os, signal
from ansible_collections.mfa.aws.plugins.plugin_utils import _terminal
before = {number: signal.getsignal(number) for number in _terminal._FATAL_SIGNALS}
descriptors = sorted(os.listdir("/proc/self/fd"))
answer = _terminal.ask_on_tty("arn:aws:iam::111111111111:mfa/alice", None)
print(json.dumps({
    "answer": answer,
    "handlers_kept": all(signal.getsignal(number) is handler for number, handler in before.items()),
    "wakeup_fd": signal.set_wakeup_fd(-1),
    "descriptors_kept": sorted(os.listdir("/proc/self/fd")) == descriptors,
}))
"""


def test_once_answered_the_program_is_as_it_was_before_it_asked():
    process, controller = on_terminal(ASK_THEN_STATE)
    try:
        wait_for_prompt(controller)
        os.write(controller, b"123456\n")
        assert outcome(process) == {
            "answer": "123456",
            "handlers_kept": True,
            "wakeup_fd": -1,
            "descriptors_kept": True,
        }
        # What the program or the shell writes next starts on a line of its own.
        assert screen_left(controller).endswith(b"\r\n")
    finally:
        os.close(controller)


def test_a_terminal_closed_while_asking_is_no_terminal_for_a_program_that_outlives_the_hangup():
    # As under nohup: SIGHUP ignored, so the program lives on to find its terminal gone.
    process, controller = on_terminal("import signal\nsignal.signal(signal.SIGHUP, signal.SIG_IGN)\n" + ASK)
    wait_for_prompt(controller)
    os.close(controller)
    assert outcome(process) == {"error": "NoTerminal", "message": "no terminal"}

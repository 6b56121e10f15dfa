"""mfa_token_command run for real: a code is read as soon as it is printed, and nothing the command starts survives."""

import contextlib
import gc
import os
import re
import signal
import sys
import time
import warnings

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.plugin_utils import _token_command
from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import MAX_OUTPUT, run_token_command
from tests.harness.files import running

#: TIMEOUT as the module ships it, read before the fixture below shortens it.
LIMIT_AS_SHIPPED = _token_command.TIMEOUT


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch):
    # Far below the sleeps of the commands below: a reader that waits for them fails with the timeout's message.
    monkeypatch.setattr(_token_command, "TIMEOUT", 5)


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def test_a_background_child_holding_the_output_does_not_delay_the_code(tmp_path):
    pid_file = tmp_path / "child.pid"
    assert run_token_command(sh(f"sleep 100 & echo $! > {pid_file}; echo 123456")) == "123456\n"
    assert not running(int(pid_file.read_text()))


def test_a_command_that_fails_while_a_child_holds_its_output_is_reported_at_once(tmp_path):
    # Its exit is seen while the output stays open: not the timeout's message five seconds on.
    pid_file = tmp_path / "child.pid"
    with pytest.raises(MfaAwsError, match=r"^mfa_token_command: sh exited with status 3$"):
        run_token_command(sh(f"sleep 100 & echo $! > {pid_file}; exit 3"))
    assert not running(int(pid_file.read_text()))


def test_a_command_still_running_after_its_code_is_killed_with_its_children(tmp_path):
    pid_file = tmp_path / "pids"
    script = f"sleep 100 & echo $! $$ > {pid_file}; echo 654321; sleep 100"
    assert run_token_command(sh(script)) == "654321\n"
    child, command = (int(pid) for pid in pid_file.read_text().split())
    assert not running(child)
    assert not running(command)


def test_a_code_printed_in_pieces_is_read_whole():
    assert run_token_command(sh("printf 12; sleep 0.2; printf '3456\\n'")) == "123456\n"


def test_what_a_command_prints_before_exiting_is_all_read():
    assert run_token_command(sh("echo banner; printf 111111")) == "banner\n111111"


def test_the_exit_status_of_a_failed_command_is_reported():
    with pytest.raises(MfaAwsError, match=r"^mfa_token_command: sh exited with status 3$"):
        run_token_command(sh("echo 123456 >&2; exit 3"))


def test_a_command_that_prints_nothing_in_time_is_stopped(tmp_path):
    pid_file = tmp_path / "pids"
    with pytest.raises(MfaAwsError, match=r"^mfa_token_command: sh printed no code within 5 seconds$"):
        run_token_command(sh(f"sleep 100 & echo $! $$ > {pid_file}; wait"))
    assert not any(running(int(pid)) for pid in pid_file.read_text().split())


def test_output_that_is_not_utf8_is_one_line_that_shows_none_of_it():
    with pytest.raises(MfaAwsError) as raised:
        run_token_command(sh("printf '12\\3773456\\n'"))
    assert str(raised.value) == "mfa_token_command: sh printed something that is not UTF-8 text"
    assert raised.value.__suppress_context__  # no chained UnicodeDecodeError to quote the byte in a traceback


def test_output_is_read_up_to_a_cap(tmp_path):
    pid_file = tmp_path / "pid"
    with pytest.raises(MfaAwsError, match=rf"^mfa_token_command: sh printed more than {MAX_OUTPUT} bytes; it must"):
        run_token_command(sh(f"echo $$ > {pid_file}; exec yes not-a-code"))
    assert not running(int(pid_file.read_text()))


def test_output_at_the_cap_is_accepted():
    padding = "x" * (MAX_OUTPUT - len("\n123456\n"))
    script = f"{sys.executable} -c \"import sys; sys.stdout.write('{padding}\\n123456\\n')\""
    assert run_token_command(sh(script)).endswith("\n123456\n")


def ctrl_c_let_through():
    """Whether SIGINT reaches this thread: run_token_command holds it only while the command starts."""
    return signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def not_a_program(tmp_path):
    """An executable file the kernel can't run: no #! line, not a binary."""
    path = tmp_path / "mfa-code"
    path.write_bytes(b"\x00\x01\x02 not a program\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/nonexistent/mfa-code"], "was not found on the controller's PATH"),
        ([os.devnull], "is not executable"),
        # Any other failure to start is said in the system's words alone, without Python's rendering of it.
        ([not_a_program], "could not be run: Exec format error"),
    ],
    ids=["not-found", "not-executable", "not-a-program"],
)
def test_a_command_that_cannot_start_is_one_line(argv, message, tmp_path):
    argv = [part(tmp_path) if callable(part) else part for part in argv]
    with pytest.raises(MfaAwsError, match=f"^mfa_token_command: {re.escape(argv[0])} {message}$"):
        run_token_command(argv)
    assert ctrl_c_let_through()  # held while starting, let go


def test_ctrl_c_is_held_while_the_command_starts_and_let_through_once_it_runs(monkeypatch):
    # A Ctrl-C between the start and the code that would end the command would leave it running.
    blocked_at_start = []
    start = _token_command.subprocess.Popen

    def starting(*arguments, **options):
        blocked_at_start.append(not ctrl_c_let_through())
        return start(*arguments, **options)

    monkeypatch.setattr(_token_command.subprocess, "Popen", starting)
    assert ctrl_c_let_through()
    assert run_token_command(sh("echo 123456")) == "123456\n"
    assert blocked_at_start == [True]
    assert ctrl_c_let_through()


@pytest.mark.parametrize(
    "script",
    ["sleep 0.5; echo 123456", "exec >&-; sleep 0.5"],
    ids=["output-open", "output-closed"],
)
def test_while_the_command_runs_the_reader_waits_rather_than_spins(monkeypatch, script):
    # Half a second at one look each 50 ms is about ten; a reader that spins takes thousands. A hardware key
    # waiting for a touch may take the whole minute.
    turns = []
    exited = _token_command._has_exited
    monkeypatch.setattr(_token_command, "_has_exited", lambda process: turns.append(1) or exited(process))
    run_token_command(sh(script))
    assert 2 <= len(turns) <= 100, len(turns)


def test_what_is_no_failure_to_start_is_raised_as_it_is():
    # Python refuses an argument with a NUL byte before starting anything: a bug, not the command's failure.
    with pytest.raises(ValueError, match="null byte"):
        run_token_command(["sh", "-c", "echo \0"])
    assert ctrl_c_let_through()


def test_without_waitid_the_code_and_the_exit_status_still_come(monkeypatch, tmp_path):
    # Platforms whose os module has no waitid learn of the exit by reaping the command instead.
    monkeypatch.delattr(_token_command.os, "waitid")
    pid_file = tmp_path / "child.pid"
    assert run_token_command(sh(f"sleep 100 & echo $! > {pid_file}; echo 123456")) == "123456\n"
    assert not running(int(pid_file.read_text()))
    with pytest.raises(MfaAwsError, match=r"exited with status 4$"):
        run_token_command(sh("exit 4"))


# The limits the guide states (60 seconds, 4 KiB), pinned as numbers: the tests above use the module's own
# constants, which would follow them anywhere.


class MovedClock:
    """time for _token_command: real sleeps, and a monotonic clock that the test sets past the start."""

    def __init__(self, after_start: float) -> None:
        self.calls, self.after_start = 0, after_start
        self.sleep = time.sleep

    def monotonic(self) -> float:
        self.calls += 1
        return 1000.0 if self.calls == 1 else 1000.0 + self.after_start


@pytest.mark.parametrize(("elapsed", "stopped"), [(59.9, False), (60.0, True)])
def test_a_command_has_sixty_seconds_to_print_its_code(monkeypatch, elapsed, stopped):
    monkeypatch.setattr(_token_command, "TIMEOUT", LIMIT_AS_SHIPPED)
    monkeypatch.setattr(_token_command, "time", MovedClock(elapsed))
    command = sh("sleep 0.3; echo 123456")
    if stopped:
        with pytest.raises(MfaAwsError, match=r"^mfa_token_command: sh printed no code within 60 seconds$"):
            run_token_command(command)
    else:
        assert run_token_command(command) == "123456\n"


def test_four_kib_of_output_is_read_and_one_byte_more_is_refused():
    exactly = f"{sys.executable} -c \"import sys; sys.stdout.write('x' * 4088 + '\\n123456\\n')\""
    assert len(run_token_command(sh(exactly))) == 4096
    over = f"{sys.executable} -c \"import sys; sys.stdout.write('x' * 4089 + '\\n123456\\n')\""
    with pytest.raises(MfaAwsError, match=r"^mfa_token_command: sh printed more than 4096 bytes; it must"):
        run_token_command(sh(over))


def test_the_command_never_reads_the_callers_input():
    # A command that read it would wait on a terminal, or take whatever a pipe holds, for a code.
    saved = os.dup(0)
    reader, writer = os.pipe()
    os.write(writer, b"654321\n")
    os.close(writer)
    os.dup2(reader, 0)
    try:
        printed = run_token_command(sh('read line; echo "${line:-111111}"'))
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(reader)
    assert printed == "111111\n"


def test_a_code_line_written_in_several_pieces_is_read_as_soon_as_it_is_whole():
    # The command goes on running: the code is recognised across the pieces, not only once it has exited.
    script = "printf 1; sleep 0.1; printf 23; sleep 0.1; printf 456; sleep 0.1; printf '\\n'; sleep 100"
    assert run_token_command(sh(script)) == "123456\n"


def test_a_code_after_a_banner_is_read_while_the_command_still_runs():
    assert run_token_command(sh("echo 'Touch your key'; echo 123456; sleep 100")) == "Touch your key\n123456\n"


def test_what_follows_the_code_line_is_not_part_of_the_answer():
    # Printed in one write with the code, as a password manager that adds "copied to the clipboard" does.
    printed = run_token_command(sh("printf 'Touch your key\\n123456\\nCopied to the clipboard\\n'"))
    assert printed == "Touch your key\n123456\n"


def test_nothing_of_the_command_is_left_open():
    # Its output pipe is closed, not left for the garbage collector, which warns of every file left open.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert run_token_command(sh("echo 123456")) == "123456\n"
        gc.collect()
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []


def test_a_command_reaped_by_someone_else_has_exited():
    # A program that reaps every child on SIGCHLD takes the command's exit before the reader looks: the reader
    # takes that for an exit, rather than wait for one to the time limit.
    reaped = []

    def reap(_number, _frame):
        with contextlib.suppress(ChildProcessError):
            reaped.append(os.waitpid(-1, os.WNOHANG))

    previous = signal.signal(signal.SIGCHLD, reap)
    try:
        assert run_token_command(sh("sleep 0.3")) == ""
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert reaped, "the command was not reaped by the handler: nothing was tested"

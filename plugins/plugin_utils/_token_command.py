# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the MFA code from a command on the controller (mfa_token_command), as aws-vault's mfa_process does.

For the collection's own use. The command runs without a shell; what it prints is never logged or put
into an error message, since a password manager may print more than the code.

The command runs in a process group of its own. Reading stops as soon as it has printed a code line or
has exited, even if a child it left behind still holds its output open, and the whole group is then
killed: nothing it started outlives the call.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import time
from typing import Sequence

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

#: Long enough for a hardware key that waits for a touch.
TIMEOUT = 60
#: A code is 7 bytes; this leaves room for a banner, and bounds what a runaway command can make us hold.
MAX_OUTPUT = 4096
# How often the direct child is checked for having exited while its output stays open.
_TICK = 0.05
_CODE_LINE = re.compile(rb"^[ \t]*[0-9]{6}[ \t]*\r?\n", re.MULTILINE)


def run_token_command(argv: Sequence[str]) -> str:
    name = argv[0]
    # A Ctrl-C that came as the command started would leave it running, unkilled: it is held until the command
    # is ours to end, and raised there. (The command starts with SIGINT blocked too; in a session of its own, with
    # no terminal, nothing would send it one: it is ended with SIGKILL.)
    held = _hold_ctrl_c()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except BaseException as error:
        _let_ctrl_c_through(held)
        if isinstance(error, FileNotFoundError):
            raise MfaAwsError(f"mfa_token_command: {name} was not found on the controller's PATH") from None
        if isinstance(error, PermissionError):
            raise MfaAwsError(f"mfa_token_command: {name} is not executable") from None
        if isinstance(error, OSError):
            raise MfaAwsError(f"mfa_token_command: {name} could not be run: {error.strerror or error}") from None
        raise
    try:
        _let_ctrl_c_through(held)
        output, exited = _read_output(process, name)
    finally:
        returncode = _end(process)
    if exited and returncode != 0:
        raise MfaAwsError(f"mfa_token_command: {name} exited with status {returncode}")
    try:
        return output.decode("utf-8")
    except UnicodeDecodeError:
        # The decoder's own message quotes the offending byte.
        raise MfaAwsError(f"mfa_token_command: {name} printed something that is not UTF-8 text") from None


def _read_output(process: subprocess.Popen[bytes], name: str) -> tuple[bytes, bool]:
    """What the command printed up to its first code line, and whether it had exited by then (else it is killed)."""
    if process.stdout is None:  # started with stdout=PIPE, so it has one
        raise MfaAwsError(f"mfa_token_command: {name}'s output could not be read")
    descriptor = process.stdout.fileno()
    os.set_blocking(descriptor, False)
    output = bytearray()
    deadline = time.monotonic() + TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        open_output = True
        while True:
            # Checked before reading: whatever it wrote before exiting is already in the pipe.
            exited = _has_exited(process)
            if open_output:
                open_output = _read_available(descriptor, output, name)
            code_line = _CODE_LINE.search(output)
            if code_line:
                # The answer ends with the first code line, whatever came in the same read after it (a password
                # manager's "copied to the clipboard"): the same output gives the same code however it was split.
                return bytes(output[: code_line.end()]), exited
            if exited:
                return bytes(output), exited
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MfaAwsError(f"mfa_token_command: {name} printed no code within {TIMEOUT} seconds")
            if open_output:
                selector.select(min(remaining, _TICK))
            else:
                time.sleep(min(remaining, _TICK))


def _read_available(descriptor: int, output: bytearray, name: str) -> bool:
    """Append what can be read now; False once every writer has closed the pipe."""
    while True:
        try:
            chunk = os.read(descriptor, MAX_OUTPUT + 1 - len(output))
        except BlockingIOError:
            return True
        if not chunk:
            return False
        output += chunk
        if len(output) > MAX_OUTPUT:
            raise MfaAwsError(
                f"mfa_token_command: {name} printed more than {MAX_OUTPUT} bytes; it must print the code alone"
            )


def _hold_ctrl_c() -> bool:
    """Block SIGINT in this thread; whether it was let through before. (Outside the main thread, where Python
    runs no handler, this changes nothing, and costs nothing.)"""
    return signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _let_ctrl_c_through(held: bool) -> None:
    if held:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _has_exited(process: subprocess.Popen[bytes]) -> bool:
    if not hasattr(os, "waitid"):
        # Reaped then: its group lives on while any member does, so killing the group still reaches them.
        return process.poll() is not None
    # WNOWAIT leaves the child unreaped, so its pid (the group's id) can't be reused before the group is killed.
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped by someone else: it has certainly exited
        return True


def _end(process: subprocess.Popen[bytes]) -> int:
    """Kill the command's whole process group, reap the command, and return its exit status."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.stdout is not None:
        process.stdout.close()
    return process.wait()

# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether anyone can be asked for a code, and the asking itself on the controlling terminal.

For the collection's own use. One rule says where no one can answer a prompt, for the playbooks (through
plugin_utils/_controller.py) and for bin/mfa-aws-credentials alike; every prompt has a time limit.

The program runs outside Ansible: botocore runs a credential_process with its output captured and its input
whatever the tool that runs it has (often nothing); /dev/tty is the terminal of the person who started that
tool, if there is one. Echo is off while the code is typed, as getpass turns it off; unlike getpass, there
is no falling back to stdin, and no terminal is said at once.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import termios
import threading
import time
from typing import Any, ContextManager, Iterator, Sequence

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoAnswer, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime


# The lock and the command runner (subprocess, selectors ...) are loaded when a miss needs them: botocore runs the
# program for every AWS command, and most runs only read the cache.
def _device_lock(name: str) -> ContextManager[Any]:
    from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock

    return device_lock(name)


def _run_token_command(argv: Sequence[str]) -> str:
    from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command

    return run_token_command(argv)


#: Set to anything, no one is ever asked for a code (CI, or a terminal no one watches).
NO_PROMPT = "MFA_AWS_NO_PROMPT"
#: ansible-runner puts this in every job's environment: AWX, Automation Platform, ansible-navigator.
RUNNER_MARK = "AWX_ISOLATED_DATA_DIR"
#: How long a prompt waits for a code to be typed: time to find the device, not to leave the desk.
PROMPT_SECONDS = 120
# A code is 6 digits; a longer line is read to its end and dropped.
_MAX_LINE = 256
# Signals that end the program while it asks: the terminal is given its echo back first.
_FATAL_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))


def no_one_to_ask(prompter: int = 0) -> str | None:
    """Why no one can answer a prompt that process `prompter` (0: this one) shows, or None when someone may."""
    if os.environ.get(NO_PROMPT):
        return f"{NO_PROMPT} is set"
    if os.environ.get(RUNNER_MARK) and _session_started_by_runner(prompter):
        return "ansible-runner's terminal is read by no one"
    return None


def _session_started_by_runner(prompter: int) -> bool:
    """Whether the terminal session of `prompter` was started by ansible-runner rather than by a person.

    ansible-runner runs a job (AWX, Automation Platform, ansible-navigator's interactive mode) on a
    pseudo-terminal of its own, with ansible-playbook leading a new session that ansible-runner started, in
    its job's environment; a container's init leads one the same way. ansible-navigator's stdout mode instead
    passes the person's terminal through, and ansible-playbook runs in the session of the shell that started
    it. So the session's leader says which: its environment at start holds RUNNER_MARK, or not. Where that
    can't be read (no /proc, a leader outside a container), no one is asked, as before.
    """
    try:
        leader = os.getsid(prompter)
        with open(f"/proc/{leader}/environ", "rb") as handle:
            environment = handle.read()
    except OSError:
        return True
    return any(entry.startswith(f"{RUNNER_MARK}=".encode()) for entry in environment.split(b"\0"))


def _write(descriptor: int, text: str) -> None:
    os.write(descriptor, text.encode("utf-8", errors="replace"))


def _read_line(descriptor: int, deadline: float, woken: int | None) -> str:
    """The typed line, up to _MAX_LINE bytes; the rest of a longer line is read and dropped, not left for the
    shell. NoAnswer when no whole line came before `deadline` (time.monotonic). A signal ends the wait through
    `woken`, and its handler runs as soon as the wait has ended."""
    line = bytearray()
    watched = [descriptor] if woken is None else [descriptor, woken]
    while True:
        # Once the time is up, one look more: a line typed by then is still taken.
        ready = select.select(watched, [], [], max(0.0, deadline - time.monotonic()))[0]
        if not ready:
            raise NoAnswer(PROMPT_SECONDS)
        if descriptor not in ready:
            # Woken by a signal, whose handler has run by now: one that lets the program live on leaves it asking.
            # A byte a signal; any left after this read wake the next look, which reads them in turn.
            os.read(ready[0], 512)
            continue
        chunk = os.read(descriptor, _MAX_LINE)
        if not chunk:
            break
        line += chunk[: max(0, _MAX_LINE - len(line))]
        if b"\n" in chunk:
            break
    return line.partition(b"\n")[0].decode("utf-8", errors="replace").strip()


@contextlib.contextmanager
def _restored_on_signals(descriptor: int, saved: list[Any]) -> Iterator[int | None]:
    """While echo is off: a signal that ends the program gives the terminal its settings back first.

    Yields a descriptor that turns readable when a signal comes (None outside the main thread, where Python
    runs no handler). Python's C handler takes a signal at once but runs the program's handler only when Python
    next runs: a signal that came after the prompt was written and before the read began to wait would
    otherwise wait with it, until a line came or the prompt's time ran out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield None
        return

    def restore_then_die(number: int, _frame: Any) -> None:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(descriptor, termios.TCSAFLUSH, saved)
            _write(descriptor, "\n")
        signal.signal(number, previous.get(number, signal.SIG_DFL))
        # To the process, not this thread: a thread that blocks the signal would keep it pending and live on.
        os.kill(os.getpid(), number)

    woken, wake = os.pipe()
    os.set_blocking(wake, False)  # as set_wakeup_fd requires: a signal never waits on a full pipe
    previous_wakeup = signal.set_wakeup_fd(wake)
    previous = {number: signal.signal(number, restore_then_die) for number in _FATAL_SIGNALS}
    try:
        yield woken
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_wakeup)
        os.close(woken)
        os.close(wake)


def ask_on_tty(serial: str, reason: str | None) -> str:
    """The code typed at the controlling terminal, not echoed; NoTerminal at once when no one can answer."""
    if no_one_to_ask() is not None:
        raise NoTerminal("no one to ask")
    try:
        descriptor = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise NoTerminal("no terminal") from None
    try:
        saved = termios.tcgetattr(descriptor)
        hidden = list(saved)
        hidden[3] &= ~termios.ECHO
        with _restored_on_signals(descriptor, saved) as woken:
            # Echo goes off before the prompt is shown, so nothing typed after it is flushed or echoed.
            termios.tcsetattr(descriptor, termios.TCSAFLUSH, hidden)
            try:
                _write(descriptor, f"{reason}\nMFA code for {serial}: " if reason else f"MFA code for {serial}: ")
                return _read_line(descriptor, time.monotonic() + PROMPT_SECONDS, woken)
            finally:
                # TCSAFLUSH, as getpass restores: what was typed past the line is not left for the shell.
                termios.tcsetattr(descriptor, termios.TCSAFLUSH, saved)
                _write(descriptor, "\n")
    except (OSError, termios.error):
        # Not a terminal after all, or it went away (the window was closed) while asking.
        raise NoTerminal("no terminal") from None
    finally:
        os.close(descriptor)


#: A program run by botocore: the controller's lock and token command, and the terminal it was started from.
ON_TERMINAL = Runtime(lock=_device_lock, read_code=_run_token_command, ask_code=ask_on_tty)

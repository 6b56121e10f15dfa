"""A person at a pseudo-terminal: the command's controlling terminal, answering its prompts as they come.

Ansible asks on its own terminal only when stdin is a TTY and its process group is the terminal's
foreground group (Display.prompt_until checks both), so the command starts a session of its own with
the pseudo-terminal as its controlling terminal, as a login shell would give it.
"""

import fcntl
import os
import re
import select
import signal
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

#: How Ansible's prompt for a code reads (plugin_utils/_controller.py).
MFA_PROMPT = re.compile(r"MFA code for (\S+): ")


class TerminalTimeout(AssertionError):
    pass


class Terminal:
    """Answers each MFA prompt with the next of `answers` (a callable is called then, e.g. for a fresh code)."""

    def __init__(self, *answers: str | Callable[[], str]) -> None:
        self.answers = list(answers)
        #: The device serial of each prompt seen, in order.
        self.prompts: list[str] = []

    @staticmethod
    def _when_listening(controller: int, deadline: float) -> None:
        """Wait, as a person would, until the prompt reads: Ansible turns echo off, then discards what was typed
        ahead, then reads; a key pressed before that would be lost."""
        while termios.tcgetattr(controller)[3] & termios.ECHO and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)

    def run(self, command: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float) -> tuple[int, str]:
        """(exit status, everything the command wrote to the terminal)."""
        controller, worker = os.openpty()

        def take_the_terminal() -> None:
            # After setsid (start_new_session): the pseudo-terminal becomes this session's controlling terminal.
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=worker,
            stdout=worker,
            stderr=worker,
            start_new_session=True,
            preexec_fn=take_the_terminal,  # noqa: PLW1509 - nothing threaded runs before the exec
        )
        os.close(worker)
        output, seen, deadline = bytearray(), 0, time.monotonic() + timeout
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    os.killpg(process.pid, signal.SIGKILL)
                    shown = output.decode(errors="replace")
                    raise TerminalTimeout(f"no end after {timeout:g}s; the terminal showed:\n{shown}")
                ready, _unused, _unused2 = select.select([controller], [], [], min(remaining, 0.5))
                if ready:
                    try:
                        chunk = os.read(controller, 65536)
                    except OSError:  # EIO: every process holding the terminal has exited
                        chunk = b""
                    if not chunk:
                        break
                    output += chunk
                    text = output.decode(errors="replace")
                    for match in MFA_PROMPT.finditer(text, seen):
                        seen = match.end()
                        self.prompts.append(match.group(1))
                        answer = self.answers.pop(0) if self.answers else ""
                        answer = answer() if callable(answer) else answer
                        self._when_listening(controller, deadline)
                        os.write(controller, answer.encode() + b"\r")
                elif process.poll() is not None:
                    break
        finally:
            os.close(controller)
        return process.wait(timeout=30), output.decode(errors="replace").replace("\r\n", "\n")

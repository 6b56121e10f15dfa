"""Running a command with a real pseudo-terminal as its controlling terminal, as a person at a shell would.

The command's stdin is the terminal; stdout and stderr are captured apart, so what a program writes to
/dev/tty (a prompt) is seen on the terminal's screen and never in its output. Prompts are answered as
they appear; each answer is asked for at that moment (a TOTP code must be current).
"""

import fcntl
import os
import select
import signal
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

PROMPT = "MFA code for "


@dataclass(frozen=True)
class TerminalRun:
    argv: Sequence[str]
    rc: int
    stdout: str
    stderr: str
    #: Everything written to the terminal.
    screen: str
    #: What was typed at the prompts.
    typed: tuple[str, ...] = ()

    @property
    def prompts(self) -> int:
        return self.screen.count(PROMPT)

    def describe(self) -> str:
        return f"{' '.join(self.argv)}\nrc={self.rc}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}\n--- screen\n{self.screen}"


def _become_controlling_terminal() -> None:
    # Runs in the child after setsid(): stdin is the terminal's slave side.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _drain(stream, into: list[bytes]) -> None:
    into.append(stream.read())


def run_on_terminal(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    answer: Callable[[], str] | None = None,
    cwd: str | None = None,
    timeout: float = 240,
) -> TerminalRun:
    """Run argv on a new terminal; each prompt gets answer() and a newline. Without answer, a prompt ends the run."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        list(argv),
        env=dict(env),
        cwd=cwd,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_become_controlling_terminal,
    )
    os.close(slave)
    outputs: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, outputs["stdout"]), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, outputs["stderr"]), daemon=True),
    ]
    for reader in readers:
        reader.start()
    screen = bytearray()
    answered = 0
    typed: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                raise AssertionError(f"{argv[0]} still running after {timeout:g}s; screen so far:\n{screen.decode()}")
            ready = select.select([master], [], [], 0.1)[0]
            chunk = b""
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every process holding the terminal has closed it
                    chunk = b""
                screen += chunk
            if not chunk and process.poll() is not None:
                break
            if screen.decode(errors="replace").count(PROMPT) > answered:
                if answer is None:
                    # Nobody would answer: the run is over, and the prompt is on the screen for the test to see.
                    os.killpg(process.pid, signal.SIGKILL)
                    break
                answered += 1
                typed.append(answer())
                os.write(master, (typed[-1] + "\n").encode())
    finally:
        process.wait()
        for reader in readers:
            reader.join(timeout=30)
        os.close(master)
    return TerminalRun(
        argv=list(argv),
        rc=process.returncode,
        stdout=b"".join(outputs["stdout"]).decode(errors="replace"),
        stderr=b"".join(outputs["stderr"]).decode(errors="replace"),
        screen=screen.decode(errors="replace"),
        typed=tuple(typed),
    )

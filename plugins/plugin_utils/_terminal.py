# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The code asked for on the controlling terminal, for bin/mfa-aws-credentials, which runs outside Ansible.

For the collection's own use. botocore runs a credential_process with its output captured and its input
whatever the tool that runs it has (often nothing); /dev/tty is the terminal of the person who started that
tool, if there is one. Echo is off while the code is typed, as getpass turns it off; unlike getpass, there
is no falling back to stdin, and no terminal is said at once.
"""

from __future__ import annotations

import os
import termios

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime
from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command

# A code is 6 digits; a longer line is read no further.
_MAX_LINE = 256


def _write(descriptor: int, text: str) -> None:
    os.write(descriptor, text.encode("utf-8", errors="replace"))


def _read_line(descriptor: int) -> str:
    line = bytearray()
    while len(line) < _MAX_LINE:
        chunk = os.read(descriptor, _MAX_LINE)
        if not chunk:
            break
        line += chunk
        if b"\n" in chunk:
            break
    return line.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()


def ask_on_tty(serial: str, reason: str | None) -> str:
    """The code typed at the controlling terminal, not echoed; NoTerminal at once when there is none."""
    try:
        descriptor = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise NoTerminal("no terminal") from None
    try:
        saved = termios.tcgetattr(descriptor)
        hidden = list(saved)
        hidden[3] &= ~termios.ECHO
        # Echo goes off before the prompt is shown, so nothing typed after it is flushed or echoed.
        termios.tcsetattr(descriptor, termios.TCSAFLUSH, hidden)
        try:
            _write(descriptor, f"{reason}\nMFA code for {serial}: " if reason else f"MFA code for {serial}: ")
            return _read_line(descriptor)
        finally:
            termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)
            _write(descriptor, "\n")
    except (OSError, termios.error):
        # Not a terminal after all, or it went away (the window was closed) while asking.
        raise NoTerminal("no terminal") from None
    finally:
        os.close(descriptor)


#: A program run by botocore: the controller's lock and token command, and the terminal it was started from.
ON_TERMINAL = Runtime(lock=device_lock, read_code=run_token_command, ask_code=ask_on_tty)

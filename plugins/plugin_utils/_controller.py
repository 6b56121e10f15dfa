# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller gives the exchange: its lock, mfa_token_command, and a prompt for the code.

For the collection's own use. The prompt goes through Ansible's own machinery (Display.prompt_until), which
forwards a forked worker's prompt to the main process, the one that owns the terminal. The exchange asks
only under the device's lock and only when a coded call is due, so however many hosts and forks evaluate a
task, the person at the terminal is asked once.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import Controller
from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command

def ask_on_terminal(serial: str, reason: str | None) -> str:
    """The code typed at the controller's terminal, not echoed; NoTerminal at once when there is none."""
    prompt = f"MFA code for {serial}: "
    if reason:
        prompt = f"{reason}\n{prompt}"
    try:
        answer = Display().prompt_until(prompt, private=True)
    except AnsibleError:
        answer = None
    # From a worker, the main process's failure comes back as the answer rather than being raised.
    if answer is None or isinstance(answer, BaseException):
        raise NoTerminal("no terminal")
    return (answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)).strip()


CONTROLLER = Controller(lock=device_lock, read_code=run_token_command, ask_code=ask_on_terminal)

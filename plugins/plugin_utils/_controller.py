# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller gives the exchange: its lock, mfa_token_command, and a prompt for the code.

For the collection's own use. The prompt goes through Ansible's own machinery (Display.prompt_until), which
forwards a forked worker's prompt to the main process, the one that owns the terminal. The exchange asks
only under the device's lock and only when a coded call is due, so however many hosts and forks evaluate a
task, the person at the terminal is asked once.
"""

from __future__ import annotations

import os
from typing import Any, ContextManager, Sequence

from ansible.errors import AnsibleError
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime


# The lock and the command runner are loaded when a miss needs them: a forked worker that only hits the
# cache compiles neither (Ansible's collection loader compiles a collection's modules in every worker).
def _device_lock(name: str) -> ContextManager[Any]:
    from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock

    return device_lock(name)


def _run_token_command(argv: Sequence[str]) -> str:
    from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command

    return run_token_command(argv)


def ask_on_terminal(serial: str, reason: str | None) -> str:
    """The code typed at the controller's terminal, not echoed; NoTerminal at once when there is none."""
    # ansible-runner (and so AWX and Automation Platform) gives ansible-playbook a pseudo-terminal that no one
    # reads: a prompt there would wait until the job's timeout. MFA_AWS_NO_PROMPT says the same anywhere else.
    if os.environ.get("AWX_ISOLATED_DATA_DIR") or os.environ.get("MFA_AWS_NO_PROMPT"):
        raise NoTerminal("no one to ask")
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


ON_CONTROLLER = Runtime(lock=_device_lock, read_code=_run_token_command, ask_code=ask_on_terminal)

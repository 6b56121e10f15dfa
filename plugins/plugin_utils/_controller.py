# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller gives the exchange: its lock, mfa_token_command, and a prompt for the code.

For the collection's own use. The prompt goes through Ansible's own machinery (Display.prompt_until), which
forwards a forked worker's prompt to the main process, the one that owns the terminal. The exchange asks
only under the device's lock and only when a coded call is due, so however many hosts and forks evaluate a
task, the person at the terminal is asked once.
"""

from __future__ import annotations

import time
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


def _prompting_process() -> int:
    """The process that shows Ansible's prompts: the main one, a forked worker's parent (0: this one)."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else 0


def ask_on_terminal(serial: str, reason: str | None) -> str:
    """The code typed at the controller's terminal, not echoed; NoTerminal at once when no one can answer."""
    # The rule the program follows too: MFA_AWS_NO_PROMPT, or a terminal ansible-runner made that no one reads
    # (AWX, Automation Platform), where a prompt would wait until the job's timeout.
    from ansible_collections.mfa.aws.plugins.plugin_utils._terminal import PROMPT_SECONDS, NoAnswer, no_one_to_ask

    if no_one_to_ask(_prompting_process()) is not None:
        raise NoTerminal("no one to ask")
    prompt = f"MFA code for {serial}: "
    if reason:
        prompt = f"{reason}\n{prompt}"
    started = time.monotonic()
    try:
        # Bounded: the main process ends the prompt after `seconds`, a forked worker's prompt included.
        answer = Display().prompt_until(prompt, private=True, seconds=PROMPT_SECONDS)
    except AnsibleError:
        answer = None
    # From a worker, the main process's failure comes back as the answer rather than being raised.
    if answer is None or isinstance(answer, BaseException):
        raise NoTerminal("no terminal")
    if time.monotonic() - started >= PROMPT_SECONDS:
        # Ansible returns what was typed so far when the time is up: not an answer.
        raise NoAnswer(PROMPT_SECONDS)
    return (answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)).strip()


ON_CONTROLLER = Runtime(lock=_device_lock, read_code=_run_token_command, ask_code=ask_on_terminal)

"""The controller's prompt as a forked worker sees it: Ansible's own Display.prompt_until, relayed to a main process.

A worker's prompt_until sends the prompt over the final queue and returns whatever the main process puts on
the worker's queue: the typed bytes, or (ansible-core's strategy relays it so) the AnsibleError the main
process met, such as "stdin is not interactive". The tests stand in for the main process only; the worker's
side is ansible-core's code as it runs.

Ansible's prompt for the code: where no one can answer, not at all; elsewhere, never without end.
"""

import json
import os
import queue
import subprocess
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from ansible.errors import AnsiblePromptNoninteractive
from ansible.executor.process import worker
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.plugin_utils import _controller
from ansible_collections.mfa.aws.plugins.plugin_utils._controller import ON_CONTROLLER, ask_on_terminal
from ansible_collections.mfa.aws.plugins.plugin_utils._terminal import PROMPT_SECONDS, NoAnswer
from tests.conftest import COLLECTIONS

SERIAL = "arn:aws:iam::123456789012:mfa/alice"


@dataclass
class MainProcess:
    """The main process's end of the final queue: it records each prompt and answers with what it is given."""

    answers: list = field(default_factory=list)
    prompts: list = field(default_factory=list)
    worker_queue: queue.Queue = field(default_factory=queue.Queue)
    worker_id: int = 0

    def send_prompt(self, **prompt):
        self.prompts.append(prompt)
        self.worker_queue.put(self.answers.pop(0))


@pytest.fixture
def main_process(monkeypatch):
    main = MainProcess()
    monkeypatch.delenv("MFA_AWS_NO_PROMPT", raising=False)
    monkeypatch.delenv("AWX_ISOLATED_DATA_DIR", raising=False)
    monkeypatch.setattr(Display(), "_final_q", main)
    monkeypatch.setattr(worker, "current_worker", main, raising=False)
    return main


def test_the_code_typed_in_the_main_process_is_the_answer(main_process):
    main_process.answers.append(b" 123456\n")
    assert ask_on_terminal(SERIAL, None) == "123456"
    assert main_process.prompts[0]["prompt"] == f"MFA code for {SERIAL}: "
    assert main_process.prompts[0]["private"] is True


def test_the_reason_comes_first_on_a_line_of_its_own(main_process):
    main_process.answers.append("654321")
    assert ask_on_terminal(SERIAL, "AWS refused the MFA code") == "654321"
    assert main_process.prompts[0]["prompt"] == f"AWS refused the MFA code\nMFA code for {SERIAL}: "


def test_an_exception_relayed_from_the_main_process_is_no_terminal_not_a_code(main_process):
    # What ansible-core's strategy puts on the worker's queue when the main process has no terminal.
    main_process.answers.append(AnsiblePromptNoninteractive("stdin is not interactive"))
    with pytest.raises(NoTerminal):
        ask_on_terminal(SERIAL, None)


def test_nothing_relayed_back_is_no_terminal(main_process):
    main_process.answers.append(None)
    with pytest.raises(NoTerminal):
        ask_on_terminal(SERIAL, None)


def test_where_asked_not_to_nothing_is_asked(main_process, monkeypatch):
    # AWX_ISOLATED_DATA_DIR counts only in ansible-runner's own terminal session: see the tests of the rule below.
    monkeypatch.setenv("MFA_AWS_NO_PROMPT", "1")
    with pytest.raises(NoTerminal):
        ask_on_terminal(SERIAL, None)
    assert main_process.prompts == []


def test_the_controller_locks_runs_the_command_and_asks_through_ansible():
    assert ON_CONTROLLER.ask_code is ask_on_terminal
    assert ON_CONTROLLER.lock is _controller._device_lock
    assert ON_CONTROLLER.read_code is _controller._run_token_command


def test_the_lock_and_the_command_are_the_controllers_own(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    with ON_CONTROLLER.lock("mfa-aws-test.lock"):
        assert (tmp_path / ".ansible" / "mfa-aws" / "run" / "mfa-aws-test.lock").is_file()
    assert ON_CONTROLLER.read_code(["sh", "-c", "echo 123456"]) == "123456\n"


@pytest.fixture
def prompts(monkeypatch):
    """Ansible's prompt as the main process ends it: what was typed when the time was up, or the answer.

    The collection's clock is moved on by `typing` seconds for each prompt; nothing waits."""
    seen, now, typing = [], [0.0], [1.0]

    def prompt_until(self, msg, private=False, seconds=None, **_others):
        seen.append({"msg": msg, "private": private, "seconds": seconds})
        now[0] += typing[0]
        return b"123" if typing[0] >= PROMPT_SECONDS else b"123456"

    monkeypatch.setattr(Display, "prompt_until", prompt_until)
    monkeypatch.setattr(_controller, "time", SimpleNamespace(monotonic=lambda: now[0]))
    monkeypatch.delenv("MFA_AWS_NO_PROMPT", raising=False)
    monkeypatch.delenv("AWX_ISOLATED_DATA_DIR", raising=False)
    return seen, typing


def test_the_prompt_is_private_and_bounded(prompts):
    seen, _typing = prompts
    assert _controller.ask_on_terminal(SERIAL, None) == "123456"
    assert seen == [{"msg": f"MFA code for {SERIAL}: ", "private": True, "seconds": PROMPT_SECONDS}]


def test_no_code_typed_in_time_is_no_answer_not_a_code(prompts):
    _seen, typing = prompts
    typing[0] = PROMPT_SECONDS
    with pytest.raises(NoAnswer, match=f"^no MFA code was typed within {PROMPT_SECONDS} seconds$"):
        _controller.ask_on_terminal(SERIAL, None)


def test_no_one_is_asked_where_no_prompt_is_wanted(prompts, monkeypatch):
    seen, _typing = prompts
    monkeypatch.setenv("MFA_AWS_NO_PROMPT", "1")
    with pytest.raises(NoTerminal):
        _controller.ask_on_terminal(SERIAL, None)
    assert seen == []


# A lookup templated in the main process (a play's vars, `-e` read before any fork) asks on the main process's
# own terminal: whether someone reads it is a question about this process's session, not a parent's.
MAIN_PROCESS = """
import json
from ansible.utils.display import Display
from ansible_collections.mfa.aws.plugins.plugin_utils._controller import ask_on_terminal
Display.prompt_until = lambda self, msg, **options: b"123456"
try:
    print(json.dumps({"answer": ask_on_terminal("arn:aws:iam::111111111111:mfa/alice", None)}))
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
"""


ASKED = {"answer": "123456"}
NO_ONE = {"error": "NoTerminal", "message": "no one to ask"}
MARK = "AWX_ISOLATED_DATA_DIR=/runner/artifacts/1"


@pytest.mark.parametrize(
    "started, expected",
    [
        ([], ASKED),
        # ansible-runner: ansible-playbook leads a session started with the mark in its environment.
        (["env", MARK], NO_ONE),
        # ansible-navigator's stdout mode: the mark reaches ansible-playbook only, in a shell's session.
        (["sh", "-c", f'{MARK} "$@"; exit $?', "sh"], ASKED),
    ],
    ids=["a-person's-session", "ansible-runner's-session", "the-mark-inside-a-person's-session"],
)
def test_the_main_process_asks_by_the_session_it_is_in(started, expected):
    env = {key: value for key, value in os.environ.items() if key not in ("MFA_AWS_NO_PROMPT", "AWX_ISOLATED_DATA_DIR")}
    done = subprocess.run(
        [*started, sys.executable, "-c", MAIN_PROCESS],
        env={**env, "PYTHONPATH": str(COLLECTIONS.root)},
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected

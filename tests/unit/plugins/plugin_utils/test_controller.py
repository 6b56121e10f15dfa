"""Ansible's prompt for the code: where no one can answer, not at all; elsewhere, never without end."""

from types import SimpleNamespace

import pytest
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils._errors import NoTerminal
from ansible_collections.mfa.aws.plugins.plugin_utils import _controller
from ansible_collections.mfa.aws.plugins.plugin_utils._terminal import PROMPT_SECONDS, NoAnswer

SERIAL = "arn:aws:iam::111111111111:mfa/alice"


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

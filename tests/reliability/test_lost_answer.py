"""An answer lost after AWS accepted the code: the code is spent at AWS, so it must not be sent again, and
the run must say in one line what happened.

The emulator handles the call (the code is marked used, the credentials issued), then loses the answer:
a 500 in its place, the connection closed, or the answer sent after the client's read timeout.
"""

import pytest

from tests.playbooks.plays import mfa, mfa_role, play, task
from tests.reliability.support import CODED_CALL, ROLE, SESSION, assert_one_clean_line, cli_cache

OPERATION = CODED_CALL
#: How the answer is lost, and the options that make the client give up on a late one.
LOSSES = {
    "server-error": ({}, {}),
    "dropped": ({}, {}),
    "delayed": ({"seconds": 6}, {"read_timeout": 2}),
}


def coded_options(module, world, code, extra):
    role = {"role_arn": mfa_role(world).arn} if module == ROLE else {}
    return {**role, **mfa(world, code), **extra}


@pytest.mark.parametrize("module", [SESSION, ROLE])
@pytest.mark.parametrize(
    "how",
    ["server-error", "dropped", "delayed"],
)
def test_a_code_whose_answer_was_lost_is_never_sent_again(ansible, world, module, how):
    fault, options = LOSSES[how]
    world.emulator.lose_answers(1, how, **fault)
    code = world.totp()
    first = ansible.run(play(task(module, coded_options(module, world, code, options))), world=world)
    message = assert_one_clean_line(first, OPERATION[module], cli_cache(ansible))
    # What happened, not a refusal AWS never made: the code may have been accepted, and a new one is needed.
    assert "refused the MFA code" not in message and "the next code" in message, message
    assert [(call.outcome, call.lost) for call in first.calls if call.coded] == [("ok", how)]
    # A rerun with the same code does not send it either.
    again = ansible.run(play(task(module, coded_options(module, world, code, options))), world=world)
    assert_one_clean_line(again, OPERATION[module], cli_cache(ansible))
    assert again.count(coded=True) == 0
    # The next code works.
    world.emulator.clock.advance(60)
    ansible.run(play(task(module, coded_options(module, world, world.totp(), options))), world=world).assert_ok()


def test_read_timeout_is_an_option(ansible, world):
    result = ansible.run(play(task(SESSION, {**mfa(world), "read_timeout": 30})), world=world)
    result.assert_ok()
    assert result.count("GetSessionToken", coded=True) == 1

"""An answer lost after AWS accepted the code: the code is spent at AWS, so it must not be sent again, and
the run must say in one line what happened.

The emulator handles the call (the code is marked used, the credentials issued), then loses the answer:
a 500 in its place, the connection closed, or the answer sent after the client's read timeout.
"""

import pytest

from tests.playbooks.plays import mfa, mfa_role, play, task, with_credentials
from tests.reliability.support import (
    CODED_CALL,
    LIST,
    ROLE,
    SESSION,
    assert_one_clean_line,
    cli_cache,
    fatal_lines,
)

OPERATION = CODED_CALL
ON_HOST = "      when: inventory_hostname == '{}'\n"
#: How the answer is lost, and the options that make the client give up on a late one.
LOSSES = {
    "server-error": ({}, {}),
    "dropped": ({}, {}),
    "delayed": ({"seconds": 6}, {"read_timeout": 2}),
    "cut-short": ({}, {}),
    "cut-off": ({}, {}),
    "damaged": ({}, {}),
}
#: Answers that reach the client holding the new secret key, damaged: botocore's parser quotes them.
DAMAGED = ["cut-short", "cut-off", "damaged"]


def coded_options(module, world, code, extra):
    role = {"role_arn": mfa_role(world).arn} if module == ROLE else {}
    return {**role, **mfa(world, code), **extra}


@pytest.mark.parametrize("module", [SESSION, ROLE])
@pytest.mark.parametrize(
    "how",
    ["server-error", "dropped", "delayed", *DAMAGED],
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
    if how in DAMAGED:
        # The answer reached the client holding the new secret key: the line says so and quotes none of it.
        assert "could not be read" in message and "<" not in message, message
        assert world.emulator.issued_secret_keys(), "the emulator issued nothing: the fault was not met"
        assert_no_issued_secret(first, world.emulator)
    # One more run: the same code is not sent again (host01's task, in a process of its own as a rerun's),
    # then the device's next code works (host02's task). The two ask for the same credentials, so host01
    # must go first: credentials the next code bought would rightly be served to it from the cache.
    stale = task(module, coded_options(module, world, code, options), extra=ON_HOST.format("host01"))
    following = coded_options(module, world, world.totp(steps=1), options)
    again = ansible.run(
        play(stale, task(module, following, extra=ON_HOST.format("host02")), hosts="targets"), world=world, hosts=2
    )
    assert_one_clean_line(again, OPERATION[module], cli_cache(ansible), host="host01")
    assert not fatal_lines(again, "host02"), again.describe("the next code failed")
    assert [call.outcome for call in again.calls if call.coded] == ["ok"]


def test_read_timeout_is_an_option(ansible, world):
    result = ansible.run(play(task(SESSION, {**mfa(world), "read_timeout": 30})), world=world)
    result.assert_ok()
    assert result.count("GetSessionToken", coded=True) == 1


def assert_no_issued_secret(result, emulator):
    for secret in emulator.issued_secret_keys():
        assert secret not in result.output, result.describe("an issued secret key in the output")


@pytest.mark.parametrize("how", DAMAGED)
def test_botocores_traceback_at_vvvv_quotes_nothing_a_damaged_answer_held(ansible, world, how):
    world.emulator.lose_answers(1, how)
    shown = {"ANSIBLE_DISPLAY_TRACEBACK": "error"}  # ansible-core 2.19 and later; up to 2.18, -vvv is enough
    result = ansible.run(play(task(SESSION, mfa(world))), world=world, verbosity=4, env=shown)
    result.assert_failed(match="could not be read")
    # Where Ansible shows the traceback of AWS's failure, botocore's parser error is there, its text withheld.
    assert "ResponseParserError" in result.output, result.describe("no traceback at -vvvv")
    assert_no_issued_secret(result, world.emulator)


@pytest.mark.parametrize("how", DAMAGED)
def test_a_damaged_listing_is_one_line(ansible, world, how):
    session = task(SESSION, mfa(world))
    listing = task(LIST, {**with_credentials("aws_mfa_session"), "retries": 1})
    ansible.run(play(session), world=world).assert_ok()
    # The session comes from the cache now, without a call. botocore takes a damaged S3 answer for a server
    # error and tries again: every try is damaged.
    world.emulator.lose_answers(10, how, coded_only=False)
    result = ansible.run(play(session, listing), world=world)
    assert [call.lost for call in result.listings] == [how, how], result.calls
    message = assert_one_clean_line(result, "ListBuckets")
    assert "<" not in message, message

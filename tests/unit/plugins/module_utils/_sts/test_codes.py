"""Where a code comes from, each source alone: a code given is tried once; a command is run again at the device's
next 30-second step, and given up on past its deadline; the prompt asks three times at most; no source says how
to give one. And how a code sent before is told, case by case."""

from __future__ import annotations

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.codes import (
    COMMAND_PATIENCE,
    MAX_REASKS,
    TOTP_STEP,
    CommandCode,
    GivenCode,
    NoSource,
    PromptedCode,
    code_supply,
    moment,
    spent_story,
)
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import CodeSource
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCode

SERIAL = "arn:aws:iam::111111111111:mfa/alice"
NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC, on a 30-second step
STORY = "was sent to AWS at 2027-01-15 08:00:00 UTC and AWS accepts a code once"
SPENT = SpentCode(at=NOW, key="other", operation="AssumeRole", until=NOW + 3600, error=None)
REFUSED = SpentCode(at=NOW, key="this", operation="AssumeRole", until=None, error="AssumeRole refused the MFA code")
CODE_REFUSED = AwsCallError(
    "AssumeRole refused the MFA code: x", "AccessDenied", code_may_be_spent=True, code_refused=True
)
TRUST_POLICY = AwsCallError("AssumeRole on the role was refused", "AccessDenied", code_may_be_spent=True)


# -- a code given -----------------------------------------------------------------------------------------------


def test_a_given_code_is_the_first_and_only_one():
    given = GivenCode("123456")
    assert given.first("AssumeRole", None) == "123456"
    assert given.after_refused(CODE_REFUSED, "AssumeRole") is None


@pytest.mark.parametrize(
    ("why", "said"),
    [
        (
            None,
            f"AssumeRole was not called: the MFA code given (mfa_token) {STORY}. Give the code your device shows now",
        ),
        ("the session was refused", "AssumeRole was not called: the session was refused, and the MFA code given"),
    ],
)
def test_a_given_code_sent_before_is_not_sent_again(why, said):
    with pytest.raises(MfaAwsError) as raised:
        GivenCode("123456").after_spent(SPENT, "AssumeRole", why, STORY)
    assert str(raised.value).startswith(said)
    assert str(raised.value).endswith(
        "(-e mfa_code=NNNNNN), or leave mfa_token unset to be asked for it, or set mfa_token_command"
    )


def test_a_given_code_aws_refused_gets_awss_answer_again():
    with pytest.raises(MfaAwsError) as raised:
        GivenCode("123456").after_spent(REFUSED, "AssumeRole", None, STORY)
    assert str(raised.value) == "AssumeRole refused the MFA code"


def test_the_advice_for_a_given_code_is_the_next_code():
    assert GivenCode("123456").advice() == (
        "Wait for your device to show the next code and run again with it (-e mfa_code=NNNNNN)."
    )


# -- a command --------------------------------------------------------------------------------------------------


class Clock:
    """time.time and time.sleep for the wait on the device's next step, without the wait."""

    def __init__(self, now: float = NOW + 10) -> None:
        self.now, self.slept = now, []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Command:
    """mfa_token_command: prints the codes given, one per run, and remembers how it was run."""

    def __init__(self, *printed: str) -> None:
        self.printed, self.runs = list(printed), []

    def __call__(self, argv) -> str:
        self.runs.append(tuple(argv))
        return self.printed.pop(0)


def command(*printed: str, clock: Clock | None = None) -> tuple[CommandCode, Command, Clock]:
    clock = clock or Clock()
    run = Command(*printed)
    return CommandCode(("totp-tool", "--account", "aws"), run, sleep=clock.sleep, clock=clock.time), run, clock


@pytest.mark.parametrize(
    "printed",
    ["123456", "123456\n", "  123456  \n", "Touch your key\n123456\n"],
    ids=["bare", "line", "spaces", "banner"],
)
def test_a_command_prints_the_code_on_its_last_line(printed):
    supply, run, _clock = command(printed)
    assert supply.first("AssumeRole", None) == "123456"
    assert run.runs == [("totp-tool", "--account", "aws")]


@pytest.mark.parametrize("printed", ["", "\n", "12345", "1234567", "code: 123456", "123456\nsecret: hunter2"])
def test_a_command_that_prints_no_code_is_said_without_what_it_printed(printed):
    supply, _run, _clock = command(printed)
    with pytest.raises(MfaAwsError) as raised:
        supply.first("AssumeRole", None)
    assert str(raised.value) == "mfa_token_command: totp-tool printed no 6-digit code; it must print the code alone"


def test_a_command_whose_code_was_sent_is_run_again_in_the_first_second_of_the_next_step():
    supply, run, clock = command("222222")
    assert supply.after_spent(SPENT, "AssumeRole", None, STORY) == "222222"
    assert clock.slept == [TOTP_STEP - 10 + 1] and clock.now % TOTP_STEP == 1
    assert len(run.runs) == 1


def test_a_command_whose_code_aws_refused_gets_awss_answer_at_once():
    supply, run, clock = command("222222")
    with pytest.raises(MfaAwsError, match=r"^AssumeRole refused the MFA code$"):
        supply.after_spent(REFUSED, "AssumeRole", None, STORY)
    assert run.runs == [] and clock.slept == []


def test_a_command_printing_only_spent_codes_is_given_up_on_past_its_deadline_and_not_before():
    assert COMMAND_PATIENCE == 2 * TOTP_STEP + 5
    start = NOW + 10
    supply, run, clock = command(*["111111"] * 10, clock=Clock(start))
    supply.after_spent(SPENT, "AssumeRole", None, STORY)  # the deadline is set: start + COMMAND_PATIENCE
    clock.now = start + COMMAND_PATIENCE  # at the deadline: still waited on
    supply.after_spent(SPENT, "AssumeRole", None, STORY)
    runs = len(run.runs)
    clock.now = start + COMMAND_PATIENCE + 0.5
    with pytest.raises(MfaAwsError) as raised:
        supply.after_spent(SPENT, "AssumeRole", None, STORY)
    assert str(raised.value) == (
        "mfa_token_command printed only codes already sent to AWS for over a minute; check that totp-tool reads the "
        "device named by mfa_serial_number, and this machine's clock"
    )
    assert len(run.runs) == runs == 2  # given up on without running it again


def test_a_command_is_waited_on_for_two_steps_and_a_margin():
    supply, run, clock = command(*["111111"] * 10)
    with pytest.raises(MfaAwsError, match="printed only codes already sent"):
        for _round in range(10):
            supply.after_spent(SPENT, "AssumeRole", None, STORY)
    # Waited into the first second of three steps in turn, then gave up past the deadline.
    assert clock.slept == [21, 30, 30] and len(run.runs) == 3


def test_a_refused_command_code_is_not_followed_by_another():
    supply, _run, _clock = command("222222")
    assert supply.after_refused(CODE_REFUSED, "AssumeRole") is None
    assert supply.advice() == (
        "Check that mfa_token_command (totp-tool) reads the device named by mfa_serial_number, and this machine's "
        "clock."
    )


# -- the prompt -------------------------------------------------------------------------------------------------


class Terminal:
    """The person at the controller: answers in turn (None: there is no terminal), and is asked why."""

    def __init__(self, *answers: str | None) -> None:
        self.answers, self.asked = list(answers), []

    def __call__(self, serial: str, why: str | None) -> str:
        assert serial == SERIAL
        self.asked.append(why)
        answer = self.answers.pop(0)
        if answer is None:
            raise NoTerminal("no terminal")
        return answer


def test_the_prompt_asks_with_why_a_code_is_due():
    terminal = Terminal("123456")
    assert PromptedCode(SERIAL, terminal).first("AssumeRole", "the session was refused") == "123456"
    assert terminal.asked == ["the session was refused"]


def test_the_prompt_asks_again_after_a_malformed_or_empty_answer():
    terminal = Terminal("12 34", "", "654321")
    assert PromptedCode(SERIAL, terminal).first("AssumeRole", None) == "654321"
    assert terminal.asked[0] is None
    assert terminal.asked[1].startswith("mfa_token: must be exactly the 6 digits")
    assert terminal.asked[2] == "no code was given"


def test_the_prompt_asks_three_times_at_most():
    assert MAX_REASKS == 2
    terminal = Terminal("1", "2", "3", "123456")
    with pytest.raises(MfaAwsError) as raised:
        PromptedCode(SERIAL, terminal).first("AssumeRole", None)
    assert str(raised.value).startswith("AssumeRole: no usable MFA code after 3 tries; mfa_token: must be exactly")
    assert len(terminal.asked) == 3


def test_the_three_tries_count_across_refusals_and_spent_codes():
    terminal = Terminal("111111", "222222", "333333", "444444")
    prompt = PromptedCode(SERIAL, terminal)
    assert prompt.first("AssumeRole", None) == "111111"
    assert prompt.after_refused(CODE_REFUSED, "AssumeRole") == "222222"
    assert prompt.after_spent(SPENT, "AssumeRole", None, STORY) == "333333"
    with pytest.raises(MfaAwsError, match="no usable MFA code after 3 tries"):
        prompt.after_refused(CODE_REFUSED, "AssumeRole")
    assert terminal.asked[1] == str(CODE_REFUSED)
    assert terminal.asked[2] == f"that code {STORY}: type the next one"


def test_the_prompt_asks_again_only_when_aws_refused_the_code_itself():
    terminal = Terminal("222222")
    assert PromptedCode(SERIAL, terminal).after_refused(TRUST_POLICY, "AssumeRole") is None
    assert terminal.asked == []


def test_without_a_terminal_one_line_says_how_to_give_a_code():
    with pytest.raises(NoTerminal) as raised:
        PromptedCode(SERIAL, Terminal(None)).first("GetSessionToken", None)
    assert str(raised.value) == (
        "GetSessionToken needs an MFA code and no cached credentials are left, and there is no terminal to ask on: "
        'set mfa_token (e.g. mfa_token: "{{ mfa_code }}" with ansible-playbook -e mfa_code=123456) or '
        "mfa_token_command"
    )


def test_the_advice_at_the_prompt_is_to_wait():
    assert PromptedCode(SERIAL, Terminal()).advice() == "Wait for your device to show the next code."


# -- no source --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("why", "said"),
    [
        (None, "AssumeRole needs an MFA code and no cached credentials are left: set mfa_token"),
        (
            "the session was refused",
            "AssumeRole needs an MFA code and no cached credentials are left: the session was refused; set mfa_token",
        ),
    ],
)
def test_no_source_says_how_to_give_a_code(why, said):
    with pytest.raises(MfaAwsError) as raised:
        NoSource().first("AssumeRole", why)
    assert str(raised.value).startswith(said)
    assert NoSource().after_refused(CODE_REFUSED, "AssumeRole") is None and NoSource().advice() == ""


def test_no_source_never_hands_out_a_code_after_a_spent_one():
    # It never gave a code, so none of its can be spent: being asked is a fault to stop at, not a code of None.
    with pytest.raises(AssertionError, match="no code was sent"):
        NoSource().after_spent(SPENT, "AssumeRole", None, "was sent")


# -- the one source a request's codes come from -----------------------------------------------------------------


def read(argv):
    return "123456"


def ask(serial, why):
    return "123456"


@pytest.mark.parametrize(
    ("source", "read_code", "ask_code", "kind"),
    [
        (CodeSource(SERIAL, "123456", ("totp-tool",)), read, ask, GivenCode),
        (CodeSource(SERIAL, None, ("totp-tool",)), read, ask, CommandCode),
        (CodeSource(SERIAL, None, None), read, ask, PromptedCode),
        (CodeSource(SERIAL, None, None), read, None, NoSource),
        (CodeSource(None, None, None), read, ask, NoSource),
    ],
    ids=["given", "command", "prompt", "no one to ask", "no device"],
)
def test_the_source_is_chosen_once(source, read_code, ask_code, kind):
    assert isinstance(code_supply(source, read_code, ask_code), kind)


def test_a_command_where_none_may_run_is_refused():
    with pytest.raises(MfaAwsError, match=r"^mfa_token_command: runs on the Ansible controller only"):
        code_supply(CodeSource(SERIAL, None, ("totp-tool",)), None, ask)


# -- how a code sent before is told -----------------------------------------------------------------------------


def sent(operation: str = "AssumeRole", until: float | None = NOW + 3600) -> SpentCode:
    return SpentCode(at=NOW, key="key", operation=operation, until=until, error=None)


LATER = NOW + 600
UNTIL = moment(NOW + 3600)
# (case, the code sent before, now, same request, cache on, kept until, refused, the story)
CASES = [
    (
        "no answer",
        sent(until=None),
        LATER,
        True,
        True,
        None,
        False,
        "; no answer came back, so AWS may have accepted it",
    ),
    (
        "expired",
        sent(until=LATER - 1),
        LATER,
        True,
        True,
        None,
        False,
        f"; the role session it bought expired at {moment(LATER - 1)}",
    ),
    (
        "expiring now",
        sent(until=LATER),
        LATER,
        True,
        True,
        None,
        False,
        f"; the role session it bought expired at {moment(LATER)}",
    ),
    (
        "the entry expired",
        sent(),
        LATER,
        True,
        True,
        LATER - 5,
        False,
        f"; the role session it bought expired at {moment(LATER - 5)}",
    ),
    (
        "other options",
        sent(),
        LATER,
        False,
        True,
        None,
        False,
        f"; it bought a role session for other options (until {UNTIL})",
    ),
    (
        "other options, a session",
        sent("GetSessionToken"),
        LATER,
        False,
        True,
        LATER + 30,
        False,
        f"; it bought an MFA session for other options (until {UNTIL})",
    ),
    ("refused", sent("GetSessionToken"), LATER, True, True, NOW + 3600, True, ", and it bought that session"),
    (
        "cache false",
        sent(),
        LATER,
        True,
        False,
        None,
        False,
        "; with cache: false, the role session it bought is kept for no other task (turn the cache on to share it)",
    ),
    (
        "a minute left",
        sent(),
        LATER,
        True,
        True,
        LATER + 30,
        False,
        f"; the role session it bought has less than a minute left (until {moment(LATER + 30)})",
    ),
    (
        "not cached",
        sent("GetSessionToken"),
        LATER,
        True,
        True,
        None,
        False,
        "; the MFA session it bought is not in this cache_dir (another cache_dir holds it, or it could not be written)",
    ),
]


@pytest.mark.parametrize(
    ("earlier", "now", "same_request", "shared", "kept_until", "refused", "story"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_code_sent_before_is_told_for_its_case(earlier, now, same_request, shared, kept_until, refused, story):
    assert spent_story(earlier, now, same_request, shared, kept_until, refused) == STORY + story


def test_moments_are_said_in_utc():
    assert moment(NOW) == "2027-01-15 08:00:00 UTC"

"""The spend-once protocol, branch by branch, over a fake STS call and a real record of codes on disk, with each
source of codes: given, printed by a command, typed at the prompt, none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.codes import (
    COMMAND_PATIENCE,
    CommandCode,
    GivenCode,
    NoSource,
    PromptedCode,
)
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import SAME_CODE_WINDOW
from ansible_collections.mfa.aws.plugins.module_utils._sts.spend_once import SpendOnce
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCodes

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
EXPIRES = "2099-01-01T00:00:00Z"
BOUGHT = {"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": EXPIRES}}


class FakeCache:
    """The credentials cache, holding one entry with `left` seconds to go (None: none)."""

    def __init__(self, left: int | None) -> None:
        self.left = left

    def get(self, key: str) -> dict[str, Any] | None:
        if self.left is None:
            return None
        expiration = datetime.now(timezone.utc) + timedelta(seconds=self.left)
        return {"Credentials": {**BOUGHT["Credentials"], "Expiration": expiration.isoformat()}}


@dataclass
class FakeFetcher:
    """What the protocol sees of an STS operation: the entry it may already hold, and the call."""

    cache_key: str = "this-request"
    operation: str = "AssumeRole"
    asked_for: str = "AssumeRole"
    #: Seconds the cached entry has left; None: no entry.
    left: int | None = None
    failure: AwsCallError | None = None
    refuse_precheck: bool = False
    refusals: int = 0
    interrupted_before_sending: bool = False
    interrupted_after_sending: bool = False
    sent: list[str | None] = field(default_factory=list)
    prechecked: int = 0
    #: False: cache: false.
    caching: bool = True
    refused: str | None = None

    @property
    def cache(self) -> FakeCache | None:
        return FakeCache(self.left) if self.caching else None

    def may_serve(self, entry: dict[str, Any]) -> bool:
        return True

    def cached(self, window: int) -> dict[str, Any] | None:
        return BOUGHT if self.left is not None and self.left > window else None

    def precheck(self) -> None:
        self.prechecked += 1
        if self.refuse_precheck:
            raise MfaAwsError("duration_seconds: over AWS's limit")

    def call(self, code: str | None) -> dict[str, Any]:
        if self.interrupted_before_sending:
            raise KeyboardInterrupt
        self.sent.append(code)
        if self.interrupted_after_sending:
            raise KeyboardInterrupt
        if len(self.sent) <= self.refusals:
            raise REFUSED
        if self.failure:
            raise self.failure
        return BOUGHT

    def was_sent(self) -> bool:
        return bool(self.sent)


class FakeClock:
    """time.time and time.sleep for the wait on the device's next 30-second step, without the wait."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


REFUSED = AwsCallError(
    "AssumeRole refused the MFA code: it is wrong, expired, or was already used. AWS said: AccessDenied: x",
    "AccessDenied",
    "req-1",
    code_may_be_spent=True,
    code_refused=True,
)
THROTTLED = AwsCallError("AssumeRole was throttled", "Throttling", "req-2", retryable=True)
TRUST_POLICY = AwsCallError("AssumeRole on the role was refused", "AccessDenied", "req-3", code_may_be_spent=True)


@pytest.fixture
def spent(tmp_path):
    return SpentCodes(SERIAL, str(tmp_path))


def command(*codes: str, clock: FakeClock | None = None) -> CommandCode:
    """mfa_token_command printing the given codes, one per run."""
    printed = iter(codes)
    clock = clock or FakeClock()
    return CommandCode(("totp-tool",), lambda argv: next(printed) + "\n", sleep=clock.sleep, clock=clock.time)


GIVEN = "given"


def supply_named(name: str):
    return GivenCode("123456") if name == GIVEN else NoSource()


# (name, what the record holds before (key, error), the fetcher, what is sent, outcome, the record's key after)
CASES = [
    ("fresh code: recorded, then sent", None, FakeFetcher(), ["123456"], "bought", "this-request"),
    (
        "code spent for this request, its credentials still good: reused",
        ("this-request", None),
        FakeFetcher(left=SAME_CODE_WINDOW + 1),
        [],
        "cached",
        "this-request",
    ),
    (
        "code spent for this request, its credentials nearly gone: not resent",
        ("this-request", None),
        FakeFetcher(left=SAME_CODE_WINDOW),
        [],
        "the MFA code given \\(mfa_token\\) was sent to AWS at",
        "this-request",
    ),
    (
        "code spent for another request: not resent",
        ("other", None),
        FakeFetcher(left=SAME_CODE_WINDOW + 100),
        [],
        "AssumeRole was not called: the MFA code given",
        "other",
    ),
    (
        "code AWS refused earlier: its answer again, not resent",
        ("this-request", "AssumeRole refused the MFA code"),
        FakeFetcher(left=SAME_CODE_WINDOW + 100),
        [],
        "refused the MFA code",
        "this-request",
    ),
    ("refused now: remembered with AWS's answer", None, FakeFetcher(refusals=1), ["123456"], "refused the MFA code", "this-request"),
    ("never reached the MFA check: forgotten", None, FakeFetcher(failure=THROTTLED), ["123456"], "throttled", None),
    ("a free check refuses: nothing recorded or sent", None, FakeFetcher(refuse_precheck=True), [], "over AWS's limit", None),
]


@pytest.mark.parametrize(("before", "fetcher", "sent", "outcome", "after"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_given_code(spent, before, fetcher, sent, outcome, after):
    if before:
        spent.record("123456", before[0], "AssumeRole")
        spent.settle("123456", error=before[1], until=None)
    protocol = SpendOnce(spent, GivenCode("123456"))
    if outcome in ("cached", "bought"):
        response, cached, warnings = protocol.spend(fetcher)
        assert response == BOUGHT and cached == (outcome == "cached") and warnings == []
    else:
        with pytest.raises(MfaAwsError, match=outcome):
            protocol.spend(fetcher)
    assert fetcher.sent == sent
    entry = spent.lookup("123456")
    assert (entry and entry.key) == after


def test_a_code_bought_with_is_remembered_until_what_it_bought_expires(spent):
    SpendOnce(spent, GivenCode("123456")).spend(FakeFetcher())
    entry = spent.lookup("123456")
    assert entry.until == 4070908800.0  # 2099-01-01T00:00:00Z
    assert entry.operation == "AssumeRole" and entry.error is None


def test_a_refused_code_is_remembered_with_the_advice_for_a_given_code(spent):
    with pytest.raises(MfaAwsError) as raised:
        SpendOnce(spent, GivenCode("123456")).spend(FakeFetcher(refusals=1))
    said = str(raised.value)
    assert "run again with it (-e mfa_code=NNNNNN)" in said
    assert said.index("-e mfa_code") < said.index("AWS said:")  # AWS's own words close the line
    assert spent.lookup("123456").error == said


def test_a_stale_code_says_when_it_was_sent_and_what_expired(spent, monkeypatch):
    from ansible_collections.mfa.aws.plugins.module_utils._sts import codes, spent_codes

    monkeypatch.setattr(spent_codes.time, "time", lambda: 1_800_000_000.0)
    spent.record("123456", "session-key", "GetSessionToken")
    spent.settle("123456", until=1_800_000_000.0 + 12 * 3600)
    monkeypatch.setattr(spent_codes.time, "time", lambda: 1_800_000_000.0 + 13 * 3600)
    monkeypatch.setattr(codes.time, "time", lambda: 1_800_000_000.0 + 13 * 3600)
    with pytest.raises(MfaAwsError) as raised:
        SpendOnce(spent, GivenCode("123456")).spend(FakeFetcher(cache_key="session-key"))
    assert str(raised.value) == (
        "AssumeRole was not called: the MFA code given (mfa_token) was sent to AWS at 2027-01-15 08:00:00 UTC and "
        "AWS accepts a code once; the MFA session it bought expired at 2027-01-15 20:00:00 UTC. Give the code your "
        "device shows now (-e mfa_code=NNNNNN), or leave mfa_token unset to be asked for it, or set mfa_token_command"
    )


@pytest.mark.parametrize(
    ("spent_for", "until", "fetcher", "story"),
    [
        ("other", 4070908800.0, FakeFetcher(), "it bought a role session for other options"),
        ("this-request", 4070908800.0, FakeFetcher(caching=False), "with cache: false, the role session it bought is kept"),
        ("this-request", 4070908800.0, FakeFetcher(left=30), "the role session it bought has less than a minute left"),
        ("this-request", 4070908800.0, FakeFetcher(), "the role session it bought is not in this cache_dir"),
        ("this-request", None, FakeFetcher(), "no answer came back, so AWS may have accepted it"),
        ("this-request", 1.0, FakeFetcher(), "the role session it bought expired at 1970-01-01 00:00:01 UTC"),
    ],
    ids=["other options", "cache false", "a minute left", "not cached", "no answer", "expired"],
)
def test_a_spent_code_is_told_for_its_case(spent, spent_for, until, fetcher, story):
    spent.record("123456", spent_for, "AssumeRole")
    spent.settle("123456", until=until)
    with pytest.raises(MfaAwsError, match=story):
        SpendOnce(spent, GivenCode("123456")).spend(fetcher)


def test_a_trust_policy_refusal_is_not_an_mfa_refusal(spent):
    with pytest.raises(MfaAwsError, match="AssumeRole on the role was refused"):
        SpendOnce(spent, GivenCode("123456")).spend(FakeFetcher(failure=TRUST_POLICY))
    assert "-e mfa_code" not in spent.lookup("123456").error


def test_no_source_says_how_to_give_a_code_and_sends_nothing(spent):
    fetcher = FakeFetcher()
    with pytest.raises(MfaAwsError, match=r"AssumeRole needs an MFA code and no cached credentials are left: set mfa_token"):
        SpendOnce(spent, NoSource()).spend(fetcher)
    assert fetcher.sent == []


def test_why_a_code_is_due_is_said(spent):
    with pytest.raises(MfaAwsError, match="needs an MFA code and no cached credentials are left: the session was refused; set"):
        SpendOnce(spent, NoSource()).spend(FakeFetcher(), "the session was refused")


# -- mfa_token_command ------------------------------------------------------------------------------------------


def test_a_command_is_run_once_and_its_code_sent_once(spent):
    fetcher = FakeFetcher()
    assert SpendOnce(spent, command("123456")).spend(fetcher) == (BOUGHT, False, [])
    assert fetcher.sent == ["123456"]


def test_a_command_that_prints_a_spent_code_is_run_again_at_the_next_step(spent):
    spent.record("111111", "other", "AssumeRole")
    clock = FakeClock()
    fetcher = FakeFetcher()
    response, cached, _warnings = SpendOnce(spent, command("111111", "222222", clock=clock)).spend(fetcher)
    assert (response, cached, fetcher.sent) == (BOUGHT, False, ["222222"])
    # It waited, on the fake clock, into the first second of the device's next 30-second step.
    assert clock.now == 1_000_021 and clock.now % 30 == 1


def test_a_command_that_prints_a_code_aws_refused_gets_awss_answer_at_once(spent):
    spent.record("111111", "this-request", "AssumeRole")
    spent.settle("111111", error="AssumeRole refused the MFA code")
    clock = FakeClock()
    fetcher = FakeFetcher()
    with pytest.raises(MfaAwsError, match="refused the MFA code"):
        SpendOnce(spent, command("111111", "222222", clock=clock)).spend(fetcher)
    assert fetcher.sent == [] and clock.now == 1_000_000  # nothing sent, no wait for the next step


def test_a_command_that_prints_only_spent_codes_gives_up_after_two_steps(spent):
    spent.record("111111", "other", "AssumeRole")
    clock = FakeClock()
    fetcher = FakeFetcher()
    with pytest.raises(MfaAwsError, match="printed only codes already sent to AWS for over a minute"):
        SpendOnce(spent, command(*["111111"] * 10, clock=clock)).spend(fetcher)
    assert fetcher.sent == []
    assert 1_000_000 + COMMAND_PATIENCE < clock.now <= 1_000_000 + COMMAND_PATIENCE + 31


def test_a_refused_command_code_says_to_check_the_device_not_to_pass_a_code(spent):
    with pytest.raises(MfaAwsError) as raised:
        SpendOnce(spent, command("123456")).spend(FakeFetcher(refusals=1))
    assert "mfa_token_command (totp-tool) reads the device" in str(raised.value)
    assert "-e mfa_code" not in str(raised.value)


@pytest.mark.parametrize("printed", ["password: hunter2", "123456\npassword: hunter2", "", "12345"])
def test_a_command_whose_last_line_is_not_a_code_is_not_quoted(spent, printed):
    supply = CommandCode(("totp-tool",), lambda argv: printed + "\n")
    with pytest.raises(MfaAwsError) as raised:
        SpendOnce(spent, supply).spend(FakeFetcher())
    assert "hunter2" not in str(raised.value) and "printed no 6-digit code" in str(raised.value)


def test_a_banner_before_the_code_is_fine(spent):
    fetcher = FakeFetcher()
    SpendOnce(spent, CommandCode(("totp-tool",), lambda argv: "Touch your key\n 654321 \n")).spend(fetcher)
    assert fetcher.sent == ["654321"]


# -- the prompt -------------------------------------------------------------------------------------------------


class Terminal:
    """The person at the controller: types the given codes in turn; None stands for no terminal at all."""

    def __init__(self, *codes: str | None) -> None:
        self.codes, self.asked = list(codes), []

    def __call__(self, serial: str, reason: str | None) -> str:
        assert serial == SERIAL
        self.asked.append(reason)
        code = self.codes.pop(0)
        if code is None:
            raise NoTerminal("no terminal")
        return code


def test_asked_once_and_the_code_sent_once(spent):
    terminal, fetcher = Terminal("123456"), FakeFetcher()
    assert SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher) == (BOUGHT, False, [])
    assert terminal.asked == [None] and fetcher.sent == ["123456"]


def test_checks_that_cost_nothing_come_before_the_question(spent):
    terminal, fetcher = Terminal("123456"), FakeFetcher(refuse_precheck=True)
    with pytest.raises(MfaAwsError, match="over AWS's limit"):
        SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher)
    assert terminal.asked == []


def test_why_a_code_is_due_is_the_question_s_first_line(spent):
    terminal = Terminal("123456")
    SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(FakeFetcher(), "the MFA session was refused")
    assert terminal.asked == ["the MFA session was refused"]


def test_without_a_terminal_one_line_says_how_to_pass_the_code(spent):
    fetcher = FakeFetcher()
    with pytest.raises(NoTerminal, match=r"no terminal to ask on: set mfa_token.*-e mfa_code=.*mfa_token_command"):
        SpendOnce(spent, PromptedCode(SERIAL, Terminal(None))).spend(fetcher)
    assert fetcher.sent == []


def test_a_refused_code_is_asked_for_again_with_awss_reason(spent):
    terminal, fetcher = Terminal("111111", "222222"), FakeFetcher(refusals=1)
    assert SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher) == (BOUGHT, False, [])
    assert terminal.asked[0] is None and terminal.asked[1].startswith("AssumeRole refused the MFA code")
    assert fetcher.sent == ["111111", "222222"]


def test_a_refusal_that_is_not_about_the_code_is_not_asked_again(spent):
    terminal, fetcher = Terminal("111111", "222222"), FakeFetcher(failure=TRUST_POLICY)
    with pytest.raises(MfaAwsError, match="AssumeRole on the role was refused"):
        SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher)
    assert fetcher.sent == ["111111"] and terminal.asked == [None]


def test_no_answer_in_time_is_not_asked_again(spent):
    from ansible_collections.mfa.aws.plugins.module_utils._errors import NoAnswer

    asked = []

    def silent(serial, reason):
        asked.append(reason)
        raise NoAnswer(120)

    fetcher = FakeFetcher()
    with pytest.raises(MfaAwsError, match="^AssumeRole needs an MFA code and no MFA code was typed within 120 seconds$"):
        SpendOnce(spent, PromptedCode(SERIAL, silent)).spend(fetcher)
    assert asked == [None] and fetcher.sent == []


def test_asked_at_most_twice_more(spent):
    terminal, fetcher = Terminal("111111", "222222", "333333", "444444"), FakeFetcher(refusals=10)
    with pytest.raises(MfaAwsError, match="no usable MFA code after 3 tries"):
        SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher)
    assert fetcher.sent == ["111111", "222222", "333333"]


def test_a_typed_code_already_sent_or_malformed_is_asked_for_again_unsent(spent):
    spent.record("111111", "other", "AssumeRole")
    terminal, fetcher = Terminal("111111", "12 34", "222222"), FakeFetcher()
    SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher)
    assert fetcher.sent == ["222222"]
    assert "was sent to AWS at" in terminal.asked[1] and "type the next one" in terminal.asked[1]
    assert "mfa_token" in terminal.asked[2]


def test_a_typed_code_already_spent_for_this_request_serves_what_it_bought(spent):
    spent.record("111111", "this-request", "AssumeRole")
    terminal, fetcher = Terminal("111111"), FakeFetcher(left=SAME_CODE_WINDOW + 5)
    assert SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher) == (BOUGHT, True, [])
    assert fetcher.sent == []


def test_a_typed_code_aws_refused_before_is_not_served_from_the_cache(spent):
    spent.record("111111", "this-request", "AssumeRole")
    spent.settle("111111", error="AssumeRole refused the MFA code")
    terminal, fetcher = Terminal("111111", "222222"), FakeFetcher(left=SAME_CODE_WINDOW + 5)
    assert SpendOnce(spent, PromptedCode(SERIAL, terminal)).spend(fetcher) == (BOUGHT, False, [])
    assert fetcher.sent == ["222222"]


# -- interruptions ----------------------------------------------------------------------------------------------


def test_a_ctrl_c_before_the_request_left_leaves_the_code_unspent(spent):
    with pytest.raises(KeyboardInterrupt):
        SpendOnce(spent, GivenCode("123456")).spend(FakeFetcher(interrupted_before_sending=True))
    assert spent.lookup("123456") is None


def test_a_ctrl_c_after_the_request_left_keeps_the_code_spent(spent):
    with pytest.raises(KeyboardInterrupt):
        SpendOnce(spent, GivenCode("123456")).spend(FakeFetcher(interrupted_after_sending=True))
    assert spent.lookup("123456").key == "this-request"

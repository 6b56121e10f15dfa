"""The spend-once protocol, branch by branch, over a fake purchase and a real record of codes on disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.ledger import SpentCodes
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import CodeSource
from ansible_collections.mfa.aws.plugins.module_utils._sts.spend_once import (
    REUSE_WINDOW,
    SAME_CODE_WINDOW,
    SpendOnce,
)

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
BOUGHT = {"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t"}}


@dataclass
class FakePurchase:
    """What the protocol sees of an STS call: a cache entry with some seconds left, and the call."""

    cache_key: str = "this-request"
    operation: str = "AssumeRole"
    #: Seconds the cached entry has left; None: no entry.
    left: int | None = None
    failure: AwsCallError | None = None
    refuse_precheck: bool = False
    refusals: int = 0
    interrupted_before_sending: bool = False
    interrupted_after_sending: bool = False
    sent: list[str | None] = field(default_factory=list)

    def cached(self, window: int) -> dict[str, Any] | None:
        return BOUGHT if self.left is not None and self.left >= window else None

    def precheck(self) -> None:
        if self.refuse_precheck:
            raise MfaAwsError("duration_seconds: over AWS's limit")

    def buy(self, code: str | None) -> dict[str, Any]:
        if self.interrupted_before_sending:
            raise KeyboardInterrupt
        self.sent.append(code)
        if self.interrupted_after_sending:
            raise KeyboardInterrupt
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
        self.now += seconds


REFUSED = AwsCallError("AssumeRole refused the MFA code", "AccessDenied", "req-1", judged=True)
THROTTLED = AwsCallError("AssumeRole was throttled", "Throttling", "req-2", judged=False)


@pytest.fixture
def spent(tmp_path):
    return SpentCodes(SERIAL, str(tmp_path), [])


def protocol(spent, codes=None, clock=None):
    """SpendOnce whose mfa_token_command prints the given codes, one per run."""
    printed = iter(codes or [])
    clock = clock or FakeClock()
    return SpendOnce(spent, read_code=lambda argv: next(printed) + "\n", sleep=clock.sleep, clock=clock.time)


GIVEN = CodeSource(SERIAL, "123456", None)
COMMAND = CodeSource(SERIAL, None, ("totp-tool",))


# (name, what the record holds before, the purchase, the code source, what is sent, outcome, what the record holds after)
CASES = [
    ("cache hit: no code read, none sent", None, FakePurchase(left=REUSE_WINDOW + 1), GIVEN, [], "cached", None),
    ("fresh code: recorded, then sent", None, FakePurchase(), GIVEN, ["123456"], "bought", "this-request"),
    (
        "code spent for this request, its credentials still good: reused",
        ("this-request", None),
        FakePurchase(left=SAME_CODE_WINDOW + 1),
        GIVEN,
        [],
        "cached",
        "this-request",
    ),
    (
        "code spent for this request, its credentials nearly gone: not resent",
        ("this-request", None),
        FakePurchase(left=SAME_CODE_WINDOW - 1),
        GIVEN,
        [],
        "already sent",
        "this-request",
    ),
    ("code spent for another request: not resent", ("other", None), FakePurchase(), GIVEN, [], "already sent", "other"),
    (
        "code AWS refused earlier: its answer again, not resent",
        ("this-request", "AssumeRole refused the MFA code"),
        FakePurchase(),
        GIVEN,
        [],
        "refused the MFA code",
        "this-request",
    ),
    ("refused now: remembered with AWS's answer", None, FakePurchase(failure=REFUSED), GIVEN, ["123456"], "refused the MFA code", "this-request"),
    ("never reached the MFA check: forgotten", None, FakePurchase(failure=THROTTLED), GIVEN, ["123456"], "throttled", None),
    ("a free check refuses: nothing recorded or sent", None, FakePurchase(refuse_precheck=True), GIVEN, [], "over AWS's limit", None),
    ("no code and nothing cached", None, FakePurchase(), CodeSource(SERIAL, None, None), [], "needs an MFA code", None),
]


@pytest.mark.parametrize(("before", "purchase", "source", "sent", "outcome", "after"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_spend_once(spent, before, purchase, source, sent, outcome, after):
    if before:
        spent.record("123456", before[0], error=before[1])
    if outcome in ("cached", "bought"):
        response, cached = protocol(spent).obtain(purchase, source)
        assert response == BOUGHT and cached == (outcome == "cached")
    else:
        with pytest.raises(MfaAwsError, match=outcome):
            protocol(spent).obtain(purchase, source)
    assert purchase.sent == sent
    entry = spent.lookup("123456")
    assert (entry and entry["key"]) == after
    if outcome == "refused the MFA code":
        assert entry["error"].startswith("AssumeRole refused the MFA code")


def test_no_device_no_record(spent):
    purchase = FakePurchase()
    assert protocol(None).obtain(purchase, CodeSource(None, None, None)) == (BOUGHT, False)
    assert purchase.sent == [None]


def test_a_command_is_run_only_when_a_code_is_due(spent):
    runs = []
    protocol_ = SpendOnce(spent, read_code=lambda argv: runs.append(argv) or "123456")
    protocol_.obtain(FakePurchase(left=REUSE_WINDOW + 1), COMMAND)
    assert runs == []
    protocol_.obtain(FakePurchase(), COMMAND)
    assert runs == [("totp-tool",)]


def test_a_command_that_prints_a_spent_code_is_run_again_at_the_next_step(spent):
    spent.record("111111", "other")
    clock = FakeClock()
    purchase = FakePurchase()
    response, cached = protocol(spent, ["111111", "222222"], clock).obtain(purchase, COMMAND)
    assert (response, cached, purchase.sent) == (BOUGHT, False, ["222222"])
    assert clock.now > 1_000_000 + 1  # it waited for the step, on the fake clock


def test_a_command_that_prints_a_code_aws_refused_gets_awss_answer_at_once(spent):
    spent.record("111111", "this-request", error="AssumeRole refused the MFA code")
    clock = FakeClock()
    purchase = FakePurchase()
    with pytest.raises(MfaAwsError, match="refused the MFA code"):
        protocol(spent, ["111111", "222222"], clock).obtain(purchase, COMMAND)
    assert purchase.sent == [] and clock.now == 1_000_000  # nothing sent, no wait for the next step


def test_a_command_that_prints_only_spent_codes_gives_up(spent):
    spent.record("111111", "other")
    purchase = FakePurchase()
    with pytest.raises(MfaAwsError, match="printed only codes already sent"):
        protocol(spent, ["111111"] * 10).obtain(purchase, COMMAND)
    assert purchase.sent == []


def test_a_command_that_prints_no_code_is_not_quoted(spent):
    with pytest.raises(MfaAwsError) as raised:
        SpendOnce(spent, read_code=lambda argv: "password: hunter2\n").obtain(FakePurchase(), COMMAND)
    assert "hunter2" not in str(raised.value) and "printed no 6-digit code" in str(raised.value)


def test_a_command_needs_the_controller(spent):
    with pytest.raises(MfaAwsError, match="runs on the Ansible controller only"):
        SpendOnce(spent, read_code=None).obtain(FakePurchase(), COMMAND)


class Terminal:
    """The person at the controller: types the given codes in turn; None stands for no terminal at all."""

    def __init__(self, *codes: str | None) -> None:
        self.codes, self.asked = list(codes), []

    def __call__(self, serial: str, reason: str | None) -> str:
        self.asked.append(reason)
        code = self.codes.pop(0)
        if code is None:
            raise NoTerminal("no terminal")
        return code


ASK = CodeSource(SERIAL, None, None)


def test_asked_only_when_a_code_is_due(spent):
    terminal = Terminal("123456")
    SpendOnce(spent, read_code=None, ask_code=terminal).obtain(FakePurchase(left=REUSE_WINDOW + 1), ASK)
    assert terminal.asked == []


def test_asked_once_and_the_code_sent_once(spent):
    terminal, purchase = Terminal("123456"), FakePurchase()
    assert SpendOnce(spent, read_code=None, ask_code=terminal).obtain(purchase, ASK) == (BOUGHT, False)
    assert terminal.asked == [None] and purchase.sent == ["123456"]


def test_without_a_terminal_one_line_says_how_to_pass_the_code(spent):
    purchase = FakePurchase()
    with pytest.raises(MfaAwsError, match=r"no terminal to ask on: set mfa_token.*-e mfa_code=.*mfa_token_command"):
        SpendOnce(spent, read_code=None, ask_code=Terminal(None)).obtain(purchase, ASK)
    assert purchase.sent == []


REFUSED_MFA = AwsCallError("AssumeRole refused the MFA code: it is wrong", "AccessDenied", "req", judged=True)


class RefusingPurchase(FakePurchase):
    def buy(self, code):
        self.sent.append(code)
        if len(self.sent) <= self.refusals:
            raise REFUSED_MFA
        return BOUGHT


def test_a_refused_code_is_asked_for_again_with_awss_reason(spent):
    terminal, purchase = Terminal("111111", "222222"), RefusingPurchase()
    purchase.refusals = 1
    assert SpendOnce(spent, read_code=None, ask_code=terminal).obtain(purchase, ASK) == (BOUGHT, False)
    assert terminal.asked == [None, str(REFUSED_MFA)] and purchase.sent == ["111111", "222222"]


def test_asked_at_most_twice_more(spent):
    terminal, purchase = Terminal("111111", "222222", "333333", "444444"), RefusingPurchase()
    purchase.refusals = 10
    with pytest.raises(MfaAwsError, match="no usable MFA code after 3 tries"):
        SpendOnce(spent, read_code=None, ask_code=terminal).obtain(purchase, ASK)
    assert purchase.sent == ["111111", "222222", "333333"]


def test_a_typed_code_already_sent_or_malformed_is_asked_for_again_unsent(spent):
    spent.record("111111", "other")
    terminal, purchase = Terminal("111111", "12 34", "222222"), FakePurchase()
    SpendOnce(spent, read_code=None, ask_code=terminal).obtain(purchase, ASK)
    assert purchase.sent == ["222222"]
    assert "already sent" in terminal.asked[1] and "mfa_token" in terminal.asked[2]


def test_a_ctrl_c_before_the_request_left_leaves_the_code_unspent(spent):
    with pytest.raises(KeyboardInterrupt):
        protocol(spent).obtain(FakePurchase(interrupted_before_sending=True), GIVEN)
    assert spent.lookup("123456") is None


def test_a_ctrl_c_after_the_request_left_keeps_the_code_spent(spent):
    with pytest.raises(KeyboardInterrupt):
        protocol(spent).obtain(FakePurchase(interrupted_after_sending=True), GIVEN)
    assert spent.lookup("123456")["key"] == "this-request"

"""The STS calls, against the local AWS emulator (real botocore, real HTTP): a call carrying a code makes one
attempt per try, since botocore must not resend a code after an error that may have come after AWS checked it;
only what never reached the check (throttling, no connection) is tried again, up to `retries`, after a backoff;
and the request says when it left, through a handler that is there for that call only."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError
from ansible_collections.mfa.aws.plugins.module_utils._sts import sts_calls
from ansible_collections.mfa.aws.plugins.module_utils._sts.sts_calls import MAX_BACKOFF, Sending, call, call_with_code

pytestmark = pytest.mark.usefixtures("isolated")


class Backoff:
    """random.random drawing `draw` every time, and time.sleep recording what it was asked to wait."""

    def __init__(self, draw: float) -> None:
        self.draw, self.slept = draw, []

    def random(self) -> float:
        return self.draw

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def backoff(monkeypatch):
    pinned = Backoff(0.5)
    monkeypatch.setattr(sts_calls, "random", SimpleNamespace(random=pinned.random))
    monkeypatch.setattr(sts_calls, "time", SimpleNamespace(sleep=pinned.sleep))
    return pinned


@pytest.fixture
def aws(world):
    """The world's user, and an emulator with no faults left over from another test."""
    world.emulator.reset_faults()
    yield world
    world.emulator.reset_faults()


def connection(world, retries: int) -> Connection:
    return Connection(region=world.region, endpoint_url=world.emulator.endpoint_url, retries=retries)


def user(world) -> Credentials:
    return Credentials(world.access_key_id, world.secret_access_key)


def coded(world, retries: int, sending: Sending | None = None, code: str | None = None):
    return call_with_code(
        connection(world, retries),
        user(world),
        "GetSessionToken",
        None,
        sending or Sending(),
        SerialNumber=world.mfa_serial,
        TokenCode=code or world.totp(),
    )


def outcomes(world) -> list[tuple[str, bool]]:
    return [(sent.outcome, sent.coded) for sent in world.calls(action="GetSessionToken")]


def test_a_throttled_coded_call_is_tried_again_after_a_backoff(aws, backoff):
    aws.emulator.inject_throttling(2)
    answer = coded(aws, retries=4)
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert outcomes(aws) == [("Throttling", True), ("Throttling", True), ("ok", True)]
    assert backoff.slept == [0.5, 1.0]  # random() * 2 ** attempt


def test_a_coded_call_is_tried_retries_times_more_at_most_one_attempt_each(aws, backoff):
    aws.emulator.inject_throttling(20)
    with pytest.raises(AwsCallError) as raised:
        coded(aws, retries=2)
    assert raised.value.aws_code == "Throttling"
    assert str(raised.value).startswith("GetSessionToken was throttled by AWS even after retrying: raise 'retries'")
    assert outcomes(aws) == [("Throttling", True)] * 3
    assert backoff.slept == [0.5, 1.0]


def test_with_no_retries_a_throttled_coded_call_is_sent_once(aws, backoff):
    aws.emulator.inject_throttling(20)
    with pytest.raises(AwsCallError, match="throttled"):
        coded(aws, retries=0)
    assert outcomes(aws) == [("Throttling", True)] and backoff.slept == []


def test_a_coded_call_that_failed_on_awss_side_is_not_sent_again(aws, backoff):
    # botocore's standard mode would retry a 500 with the same code, which AWS may have accepted already.
    aws.emulator.inject_server_errors(5)
    with pytest.raises(AwsCallError) as raised:
        coded(aws, retries=4)
    assert raised.value.code_may_be_spent and not raised.value.retryable
    assert len(outcomes(aws)) == 1 and backoff.slept == []


def test_a_refused_code_is_not_sent_again(aws, backoff):
    wrong = "000000" if aws.totp() != "000000" else "111111"
    with pytest.raises(AwsCallError) as raised:
        coded(aws, retries=4, code=wrong)
    assert raised.value.code_refused
    assert outcomes(aws) == [("AccessDenied", True)] and backoff.slept == []


def test_the_backoff_doubles_and_is_capped(aws, backoff):
    backoff.draw = 0.99
    aws.emulator.inject_throttling(20)
    with pytest.raises(AwsCallError, match="throttled"):
        coded(aws, retries=6)
    assert backoff.slept == pytest.approx([0.99, 1.98, 3.96, 7.92, 15.84, MAX_BACKOFF])
    assert MAX_BACKOFF == 20 and len(outcomes(aws)) == 7


def test_a_coded_call_that_cant_connect_is_tried_again(backoff):
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused at once
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    nowhere = Connection(region="eu-west-1", endpoint_url=closed, retries=2)
    with pytest.raises(AwsCallError, match=r"^GetSessionToken could not reach AWS") as raised:
        call_with_code(nowhere, Credentials("AKIA", "s"), "GetSessionToken", None, Sending(), TokenCode="123456")
    assert raised.value.retryable and not raised.value.code_may_be_spent
    assert backoff.slept == [0.5, 1.0]


# -- when the request left --------------------------------------------------------------------------------------


def test_a_coded_request_says_it_left_and_the_handler_goes_with_the_call(aws):
    sending = Sending()
    coded(aws, retries=0, sending=sending)
    assert sending.sent
    # The same client (same keys, one attempt) makes the next call: the handler of the last one is gone.
    sending.sent = False
    call(connection(aws, retries=0), user(aws), "GetCallerIdentity")
    assert not sending.sent
    assert [sent.action for sent in aws.calls()] == ["GetSessionToken", "GetCallerIdentity"]


def test_a_request_refused_before_it_leaves_did_not_leave(aws):
    sending = Sending()
    with pytest.raises(AwsCallError, match="GetSessionToken failed: ParamValidationError"):
        call_with_code(
            connection(aws, 4), user(aws), "GetSessionToken", None, sending, DurationSeconds="an hour", TokenCode="1"
        )
    assert not sending.sent and aws.calls() == []


def test_calls_are_said_in_the_collections_words(aws):
    # botocore's exceptions become one line that says what to do; AWS's code and request id are kept.
    stranger = Credentials("AKIAUNKNOWNEXAMPLE01", "secret")
    with pytest.raises(AwsCallError) as raised:
        call(connection(aws, 0), stranger, "GetCallerIdentity")
    assert raised.value.aws_code == "InvalidClientTokenId" and raised.value.request_id
    assert str(raised.value).startswith("AWS does not recognise the access key that signed GetCallerIdentity")
    assert isinstance(raised.value.__cause__, Exception) and "botocore" in type(raised.value.__cause__).__module__

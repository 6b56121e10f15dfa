"""boto3 against the emulator, with real signing, and the small helpers the emulator's tests share."""

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.emulator import mfa

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

#: AWS's answers to a bad MFA code and to a serial that is not the caller's (see tests/emulator/sts.py).
INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
UNKNOWN_SERIAL = (
    "MultiFactorAuthentication failed, unable to validate MFA code. "
    "Please verify your MFA serial number is valid and associated with this user."
)

#: No retries unless a test asks for them, so an error is seen once and counted once.
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}


class Endpoint(Protocol):
    """What a client needs of the emulator: an Emulator, or the URL and region from a state file."""

    endpoint_url: str
    region: str


@dataclass(frozen=True)
class Keys:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    @classmethod
    def of(cls, world: "World") -> "Keys":
        """The world user's long-term keys."""
        return cls(world.access_key_id, world.secret_access_key)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> "Keys":
        """Temporary keys from the Credentials of a GetSessionToken or AssumeRole answer."""
        return cls(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])


def client(
    emulator: Endpoint,
    service: str,
    keys: Keys,
    *,
    retries: Mapping[str, Any] | None = None,
    validate: bool = True,
    region: str | None = None,
    raw_timestamps: bool = False,
) -> Any:
    """A boto3 client for `service` at the emulator, signing with `keys`.

    raw_timestamps: leave timestamps as the strings AWS sent (parsing 25,000 dates takes seconds).
    """
    config = Config(retries=dict(retries or NO_RETRIES), parameter_validation=validate)
    core = botocore.session.get_session()
    if raw_timestamps:
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
    return boto3.session.Session(botocore_session=core).client(
        service,
        endpoint_url=emulator.endpoint_url,
        region_name=region or emulator.region,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
        config=config,
    )


def sts(emulator: Endpoint, keys: Keys, **options: Any) -> Any:
    return client(emulator, "sts", keys, **options)


def s3(emulator: Endpoint, keys: Keys, **options: Any) -> Any:
    return client(emulator, "s3", keys, **options)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


def refusal(call: Callable[[], Any]) -> Refusal:
    """The AWS error `call` raises (it must raise one)."""
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return Refusal(
        response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]
    )


def mfa_session(emulator: "Emulator", world: "World", **parameters: Any) -> Keys:
    """GetSessionToken with the world's device and its current code."""
    answer = sts(emulator, Keys.of(world)).get_session_token(
        SerialNumber=world.mfa_serial, TokenCode=world.totp(), **parameters
    )
    return Keys.from_credentials(answer["Credentials"])


def plain_session(emulator: "Emulator", world: "World") -> Keys:
    """GetSessionToken without MFA: a session whose requests carry aws:MultiFactorAuthPresent=false."""
    return Keys.from_credentials(sts(emulator, Keys.of(world)).get_session_token()["Credentials"])


def start_of_step(emulator: "Emulator") -> None:
    """Move the emulator's clock forward (less than one step) to just after a TOTP step begins.

    A code computed now then stays in the same step for more than 25 seconds, so tests that depend on
    which step a code belongs to do not flicker at step boundaries.
    """
    into = emulator.clock.now() % mfa.STEP
    if into > 2:
        emulator.clock.advance(mfa.STEP - into + 0.5)


def code_outside_window(world: "World", *, steps_back: int = 0) -> str:
    """A code the device would not accept now: `steps_back` steps old (at least 3), or, with 0, no code
    of the device's at all. Never equal to a code inside the accepted window (one step either side)."""
    window = {world.totp(step) for step in (-1, 0, 1)}
    if steps_back:
        for back in range(steps_back, steps_back + 20):
            code = world.totp(-back)
            if code not in window:
                return code
        raise AssertionError("every old code collides with the window")
    number = int(world.totp())
    while True:
        number = (number + 1) % 10**6
        code = f"{number:06d}"
        if code not in window:
            return code


def control(
    emulator: "Emulator", name: str, payload: Mapping[str, Any] | None = None, *, query: str = ""
) -> tuple[int, Any]:
    """Call /_emulator/<name>: GET without payload, POST (JSON body) with one. Returns (status, JSON)."""
    url = f"{emulator.endpoint_url}/_emulator/{name}" + (f"?{query}" if query else "")
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


class Served:
    """The running emulator's URL and region, as its state file gives them."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.endpoint_url = state["endpoint_url"]
        self.region = state["region"]


def emulator_cli(*arguments: str) -> list[str]:
    """`python -m tests.emulator ARGUMENTS`, run from the repository's root."""
    return [sys.executable, "-m", "tests.emulator", *arguments]

"""The emulator's clock when a test shares it with its clients (tests/harness/clock.py): who is told when it moves,
what request signatures are dated by, and expired credentials refused on every call, hours ahead of real time.

Each test that moves a clock by more than a few minutes has an emulator of its own: the worker's shared one is
also used by tests whose clients run on real time.
"""

import json
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.emulator.clock import Clock
from tests.emulator_tests._aws import Keys, refusal, sts
from tests.harness.clock import private_emulator, shared_clock
from tests.harness.paths import PYTHON

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

HOUR = 3600

# -- the clock alone -----------------------------------------------------------------------------------------


def test_a_shared_clock_tells_its_follower_each_offset_and_dates_signatures() -> None:
    clock, told = Clock(), []
    clock.advance(30)
    assert clock.signing_now() == pytest.approx(time.time(), abs=5)
    clock.share(told.append)
    clock.advance(HOUR)
    clock.reset()
    assert told == [30, 30 + HOUR, 0]
    clock.advance(HOUR)
    assert clock.signing_now() == pytest.approx(time.time() + HOUR, abs=5)
    with pytest.raises(RuntimeError, match="shared already"):
        clock.share(told.append)
    clock.unshare()
    clock.advance(60)
    assert told[-1] == HOUR and not clock.shared
    assert clock.signing_now() == pytest.approx(time.time(), abs=5)


def test_while_shared_a_request_signed_by_real_time_is_out_of_the_signature_window() -> None:
    with private_emulator() as emulator:
        world = emulator.build_world(roles=[])
        emulator.clock.share(lambda offset: None)
        emulator.clock.advance(2 * HOUR)
        denied = refusal(sts(emulator, Keys.of(world)).get_caller_identity)
        assert (denied.status, denied.code) == (403, "SignatureDoesNotMatch")
        assert "15 minute window" in denied.message
        emulator.clock.unshare()
        assert sts(emulator, Keys.of(world)).get_caller_identity()["Account"] == world.account_id


# -- clients on the moved clock ------------------------------------------------------------------------------

#: Run under the shared clock: `session SERIAL CODE` prints a 900 s MFA session; `calls ROLE_ARN USER` makes one
#: call of each kind with the keys in the environment and prints how each went.
CLIENT = """
import json, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

once = Config(retries={"mode": "standard", "total_max_attempts": 1})
session = boto3.Session()
if sys.argv[1] == "session":
    answer = session.client("sts", config=once).get_session_token(
        SerialNumber=sys.argv[2], TokenCode=sys.argv[3], DurationSeconds=900
    )
    print(json.dumps(answer["Credentials"], default=str))
    sys.exit()
role_arn, user_name = sys.argv[2], sys.argv[3]
calls = {
    "GetCallerIdentity": lambda: session.client("sts", config=once).get_caller_identity(),
    "AssumeRole": lambda: session.client("sts", config=once).assume_role(RoleArn=role_arn, RoleSessionName="moved"),
    "ListBuckets": lambda: session.client("s3", config=once).list_buckets(),
    # Answered by moto, which knows nothing of the emulator's temporary credentials.
    "GetUser": lambda: session.client("iam", config=once).get_user(UserName=user_name),
    "DescribeInstances": lambda: session.client("ec2", config=once).describe_instances(),
}
outcomes = {}
for name, call in calls.items():
    try:
        call()
        outcomes[name] = "ok"
    except ClientError as error:
        outcomes[name] = error.response["Error"]["Code"]
print(json.dumps(outcomes))
"""


def on_the_clock(clock, world: "World", keys: Keys, *args: str) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": world.emulator.endpoint_url,
        "AWS_DEFAULT_REGION": world.region,
        "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
        **({"AWS_SESSION_TOKEN": keys.session_token} if keys.session_token else {}),
        **clock.env(),
    }
    done = subprocess.run(
        [str(PYTHON), "-c", CLIENT, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_expired_credentials_are_refused_on_every_call_hours_ahead_of_real_time(tmp_path: Path) -> None:
    with private_emulator() as emulator, shared_clock(emulator, tmp_path / "clock") as clock:
        world = emulator.build_world()
        clock.advance(13 * HOUR)
        issued = on_the_clock(clock, world, Keys.of(world), "session", world.mfa_serial or "", world.totp())
        session = Keys(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
        arguments = (world.roles["admin"].arn, world.user_name)
        # Signed 13 hours ahead of real time, as the emulator's clock reads: every call is answered.
        assert set(on_the_clock(clock, world, session, "calls", *arguments).values()) == {"ok"}
        clock.advance(905)
        assert on_the_clock(clock, world, session, "calls", *arguments) == {
            "GetCallerIdentity": "ExpiredToken",
            "AssumeRole": "ExpiredToken",
            "ListBuckets": "ExpiredToken",
            "GetUser": "ExpiredToken",
            "DescribeInstances": "RequestExpired",
        }


# -- what the call log records -------------------------------------------------------------------------------


def test_the_call_log_records_the_duration_asked_for_and_the_host_called(emulator: "Emulator", world: "World") -> None:
    named = emulator.endpoint_url.replace("127.0.0.1", "localhost")
    sts(emulator, Keys.of(world)).get_session_token(DurationSeconds=900)

    class Named:
        endpoint_url, region = named, emulator.region

    sts(Named(), Keys.of(world)).get_session_token()
    assert [(call.duration, call.host) for call in world.calls(action="GetSessionToken")] == [
        (900, emulator.endpoint_url.removeprefix("http://")),
        (None, named.removeprefix("http://")),
    ]

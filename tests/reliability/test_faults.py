"""AWS and the network misbehave: each run ends in success or in one clean line, and the cache stays whole.

Every test here runs the real ansible-playbook against the emulator, with faults injected before the run
or, through the emulator's control endpoint, between two tasks of it. Each ends with the same checks:
no traceback, exactly one `fatal:` line for the host that failed (its message one line), and a cache
directory with no partial file and no JSON file that does not parse.
"""

import pytest

from tests.playbooks.plays import lookup_play, mfa, mfa_role, play, task, with_credentials
from tests.reliability.support import (
    CODED_CALL,
    LIST,
    ROLE,
    SESSION,
    assert_clean_success,
    assert_one_clean_line,
    cli_cache,
    closed_port,
    emulator_control,
)

OPERATION = CODED_CALL


def sts_options(module, world, **options):
    """A coded call of `module`: GetSessionToken, or AssumeRole on a role whose trust policy requires MFA."""
    role = {"role_arn": mfa_role(world).arn} if module == ROLE else {}
    return {**role, **mfa(world), **options}


def session_lookup(world, **options):
    """A play on localhost whose one task reads the MFA session lookup, with a fresh code unless options say."""
    return lookup_play(
        lookup="mfa.aws.mfa_session", tasks=1, save=False, hosts="localhost", **{**mfa(world), **options}
    )


def outcomes(result, action):
    return [call.outcome for call in result.calls if call.action == action]


# -- throttling -------------------------------------------------------------------------------------------------


# sts_mfa_session's throttling and unreachable endpoint are tested in tests/playbooks/test_aws_errors.py; here, the
# role module's coded call (its GetSessionToken).


def test_the_role_modules_coded_call_is_retried_through_throttling(ansible, world):
    world.emulator.inject_throttling(2)
    result = ansible.run(play(task(ROLE, sts_options(ROLE, world, retries=2))), world=world)
    assert_clean_success(result, cli_cache(ansible))
    action = OPERATION[ROLE]
    assert outcomes(result, action) == ["Throttling", "Throttling", "ok"]
    # Throttled requests never reach the MFA check, so the code still buys the credentials on the third try.
    assert result.count(action, coded=True) == 3


def test_a_lookup_retries_throttling_too(ansible, world):
    world.emulator.inject_throttling(1)
    result = ansible.run(session_lookup(world, retries=1), world=world)
    assert_clean_success(result, cli_cache(ansible))
    assert outcomes(result, "GetSessionToken") == ["Throttling", "ok"]


def test_s3_throttling_mid_run_is_retried(ansible, world):
    steps = play(
        task(SESSION, mfa(world)),
        emulator_control("throttle", count=2),
        task(LIST, {**with_credentials("aws_mfa_session"), "retries": 2}, register="listing"),
        save=("listing",),
    )
    result = assert_clean_success(ansible.run(steps, world=world), cli_cache(ansible))
    assert sorted(bucket["name"] for bucket in result.json("localhost-listing")["buckets"]) == sorted(world.buckets)


def test_the_role_modules_coded_call_throttled_beyond_the_retries(ansible, world):
    world.emulator.inject_throttling(3)
    result = ansible.run(play(task(ROLE, sts_options(ROLE, world, retries=1))), world=world)
    action = OPERATION[ROLE]
    assert_one_clean_line(
        result, f"{action} was throttled by AWS even after retrying: raise 'retries'", cli_cache(ansible)
    )
    assert outcomes(result, action) == ["Throttling", "Throttling"]


def test_a_lookup_throttled_beyond_the_retries(ansible, world):
    world.emulator.inject_throttling(2)
    result = ansible.run(session_lookup(world, retries=1), world=world)
    assert_one_clean_line(
        result, "lookup plugin 'mfa.aws.mfa_session' failed: GetSessionToken was throttled by AWS", cli_cache(ansible)
    )


def test_s3_throttling_beyond_the_retries(ansible, world):
    steps = play(
        task(SESSION, mfa(world)),
        emulator_control("throttle", count=3),
        task(LIST, {**with_credentials("aws_mfa_session"), "retries": 2}),
    )
    result = ansible.run(steps, world=world)
    assert_one_clean_line(result, "ListBuckets was throttled by AWS even after retrying", cli_cache(ansible))


# -- server errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(500, "InternalFailure"), (503, "ServiceUnavailable")])
@pytest.mark.parametrize("module", [SESSION, ROLE])
def test_a_server_error_on_a_coded_call_is_not_retried_with_the_code(ansible, world, module, status, code):
    """AWS may answer 5xx after it checked, and so spent, the code: sending it again could only be refused."""
    world.emulator.inject_server_errors(2, status)
    result = ansible.run(play(task(module, sts_options(module, world, retries=2))), world=world)
    assert_one_clean_line(result, "failed on AWS's side after the request was sent.*the next code", cli_cache(ansible))
    assert outcomes(result, OPERATION[module]) == [code]


@pytest.mark.parametrize(("status", "code"), [(500, "InternalFailure"), (503, "ServiceUnavailable")])
def test_sts_server_errors_on_a_call_without_a_code_are_retried(ansible, world, status, code):
    steps = play(
        task(SESSION, mfa(world)),
        emulator_control("server-errors", count=2, status=status),
        task(ROLE, {**with_credentials("aws_mfa_session"), "role_arn": mfa_role(world).arn, "retries": 2}),
    )
    result = ansible.run(steps, world=world)
    assert_clean_success(result, cli_cache(ansible))
    assert outcomes(result, "AssumeRole") == [code, code, "ok"]


@pytest.mark.parametrize("status", [500, 503])
def test_s3_server_errors_mid_run_are_retried(ansible, world, status):
    steps = play(
        task(SESSION, mfa(world)),
        emulator_control("server-errors", count=2, status=status),
        task(LIST, {**with_credentials("aws_mfa_session"), "retries": 2}, register="listing"),
        save=("listing",),
    )
    result = assert_clean_success(ansible.run(steps, world=world), cli_cache(ansible))
    assert result.json("localhost-listing")["count"] == len(world.buckets)


def test_server_errors_beyond_the_retries(ansible, world):
    steps = play(
        task(SESSION, mfa(world)),
        emulator_control("server-errors", count=2, status=500),
        task(ROLE, {**with_credentials("aws_mfa_session"), "role_arn": mfa_role(world).arn, "retries": 1}),
    )
    result = ansible.run(steps, world=world)
    assert_one_clean_line(result, "AssumeRole failed on AWS's side.*AWS said: InternalFailure", cli_cache(ansible))
    assert outcomes(result, "AssumeRole") == ["InternalFailure", "InternalFailure"]


# -- the network ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", [ROLE, LIST, "lookup"])
def test_a_refused_connection_names_the_endpoint(ansible, world, caller):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    options = {"endpoint_url": endpoint, "retries": 1}
    if caller == "lookup":
        playbook = session_lookup(world, **options)
    elif caller == LIST:
        playbook = play(task(LIST, options))
    else:
        playbook = play(task(caller, sts_options(caller, world, **options)))
    result = ansible.run(playbook, world=world)
    message = assert_one_clean_line(result, "could not reach AWS", cli_cache(ansible))
    assert endpoint in message
    assert "Check endpoint_url" in message
    assert result.calls == []


def test_a_read_timeout(ansible, world):
    world.emulator.set_latency(3)
    options = sts_options(SESSION, world, read_timeout=1, retries=0)
    result = ansible.run(play(task(SESSION, options)), world=world)
    assert_one_clean_line(result, "GetSessionToken timed out waiting for AWS", cli_cache(ansible))


# -- time -------------------------------------------------------------------------------------------------------


def test_session_credentials_expire_mid_run_for_s3(ansible, world):
    steps = play(
        task(SESSION, {**mfa(world), "duration_seconds": 900}),
        emulator_control("clock/advance", seconds=1000),
        task(LIST, with_credentials("aws_mfa_session")),
    )
    result = ansible.run(steps, world=world)
    assert_one_clean_line(
        result, "ListBuckets was called with temporary credentials that have expired.*ExpiredToken", cli_cache(ansible)
    )


def test_session_credentials_expire_mid_run_for_sts(ansible, world):
    role = mfa_role(world)
    steps = play(
        task(SESSION, {**mfa(world), "duration_seconds": 900}),
        emulator_control("clock/advance", seconds=1000),
        task(ROLE, {"role_arn": role.arn, **with_credentials("aws_mfa_session")}),
    )
    result = ansible.run(steps, world=world)
    assert_one_clean_line(
        result, "AssumeRole was called with temporary credentials that have expired.*ExpiredToken", cli_cache(ansible)
    )
    assert outcomes(result, "AssumeRole") == ["ExpiredToken"]


@pytest.mark.parametrize("skew", [300, -300])
def test_a_clock_several_minutes_off(ansible, world, skew):
    world.emulator.set_skew(skew)
    role = mfa_role(world)
    steps = play(
        task(SESSION, mfa(world)),
        task(ROLE, {"role_arn": role.arn, **with_credentials("aws_mfa_session")}),
        task(LIST, with_credentials("aws_mfa_role"), register="listing"),
        save=("listing",),
    )
    result = assert_clean_success(ansible.run(steps, world=world), cli_cache(ansible))
    assert result.json("localhost-listing")["count"] == len(role.buckets)


def test_a_clock_beyond_aws_window_for_sts(ansible, world):
    world.emulator.set_skew(1200)
    result = ansible.run(play(task(SESSION, mfa(world))), world=world)
    assert_one_clean_line(result, "GetSessionToken was refused because the controller's clock", cli_cache(ansible))


def test_a_clock_beyond_aws_window_for_s3(ansible, world):
    steps = play(
        task(SESSION, mfa(world)),
        emulator_control("skew", seconds=1200),
        task(LIST, with_credentials("aws_mfa_session")),
    )
    result = ansible.run(steps, world=world)
    assert_one_clean_line(
        result, "ListBuckets was refused because the controller's clock.*RequestTimeTooSkewed", cli_cache(ansible)
    )

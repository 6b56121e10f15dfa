"""When cached credentials are reused: while more than their window is left (15 minutes for credentials of an hour
or more, a third of their life for shorter ones), down to one minute for the code that bought them (the same code
in hand can buy nothing else), a role renewed through its MFA session without a code, and never from disk with
cache: false.

Each test edits the expiration in the cache entries a real run wrote, a minute (or half a minute) on either side of
a window, and counts the STS calls of the next run; tests/unit/plugins/module_utils/_sts/test_fetcher.py pins the
windows to the second.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.playbooks.plays import mfa, mfa_role, play, task
from tests.reliability.support import ROLE, SESSION, assert_clean_success, assert_one_clean_line, cli_cache

MINUTE = 60
#: The reuse window of an entry of an hour or more, and SAME_CODE_WINDOW (docs/guide.md, "Caching").
REUSE_WINDOW, SAME_CODE_WINDOW = 15 * MINUTE, MINUTE
SESSIONS, ROLES = "mfa-aws-session-*.json", "[!m]*.json"


def set_remaining(directory, seconds, pattern="*.json"):
    """Make the credentials entries in `directory` matching `pattern` expire `seconds` from now; how many."""
    expiration = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = 0
    for path in directory.glob(pattern):
        entry = json.loads(path.read_text())
        if isinstance(entry, dict) and isinstance(entry.get("Credentials"), dict):
            entry["Credentials"]["Expiration"] = expiration
            path.write_text(json.dumps(entry))
            changed += 1
    return changed


def options_for(module, world, code=None, **extra):
    role = {"role_arn": mfa_role(world).arn} if module == ROLE else {}
    if code is False:
        return {**role, "mfa_serial_number": world.mfa_serial, **extra}
    return {**role, **mfa(world, code), **extra}


def run(ansible, world, module, options):
    return ansible.run(play(task(module, options, register="got"), save=("got",)), world=world)


def test_a_session_is_reused_with_more_than_15_minutes_left_and_not_with_less(ansible, world):
    assert_clean_success(run(ansible, world, SESSION, options_for(SESSION, world)))
    cache = cli_cache(ansible)

    assert set_remaining(cache, REUSE_WINDOW + MINUTE) == 1
    result = assert_clean_success(run(ansible, world, SESSION, options_for(SESSION, world, code=False)))
    assert result.json("localhost-got")["cached"] is True
    assert result.calls == []

    set_remaining(cache, REUSE_WINDOW - MINUTE)
    result = run(ansible, world, SESSION, options_for(SESSION, world, code=False))
    assert_one_clean_line(result, "GetSessionToken needs an MFA code and no cached credentials are left")
    assert result.calls == []
    # A new code buys new credentials.
    world.emulator.clock.advance(MINUTE)
    result = assert_clean_success(run(ansible, world, SESSION, options_for(SESSION, world)))
    assert result.json("localhost-got")["cached"] is False
    assert result.count("GetSessionToken", coded=True) == 1


@pytest.mark.parametrize(("duration", "window"), [(3600, REUSE_WINDOW), (900, 5 * MINUTE)])
def test_a_role_is_reused_within_its_window_then_renewed_through_the_session_without_a_code(
    ansible, world, duration, window
):
    assert_clean_success(run(ansible, world, ROLE, options_for(ROLE, world, duration_seconds=duration)))
    cache = cli_cache(ansible)
    again = options_for(ROLE, world, code=False, duration_seconds=duration)

    assert set_remaining(cache, window + MINUTE, ROLES) == 1
    result = assert_clean_success(run(ansible, world, ROLE, again))
    assert result.json("localhost-got")["cached"] is True
    assert result.calls == []

    set_remaining(cache, window - MINUTE, ROLES)
    result = assert_clean_success(run(ansible, world, ROLE, again))
    assert result.json("localhost-got")["cached"] is False
    assert [(call.action, call.coded) for call in result.calls] == [("AssumeRole", False)]

    # With the session used up as well, a code is due.
    set_remaining(cache, 30, "*.json")
    result = run(ansible, world, ROLE, again)
    assert_one_clean_line(result, "AssumeRole needs an MFA code and no cached credentials are left")
    assert result.calls == []


def test_the_code_that_bought_a_session_reuses_it_down_to_one_minute(ansible, world):
    code = world.totp()
    assert_clean_success(run(ansible, world, SESSION, options_for(SESSION, world, code)))
    cache = cli_cache(ansible)

    # Under its window, but the code in hand is the one that bought it: it could buy nothing else.
    set_remaining(cache, REUSE_WINDOW - 5 * MINUTE)
    result = assert_clean_success(run(ansible, world, SESSION, options_for(SESSION, world, code)))
    assert result.json("localhost-got")["cached"] is True
    assert result.calls == []

    set_remaining(cache, SAME_CODE_WINDOW + 30)
    result = assert_clean_success(run(ansible, world, SESSION, options_for(SESSION, world, code)))
    assert result.json("localhost-got")["cached"] is True

    set_remaining(cache, SAME_CODE_WINDOW - 30)
    result = run(ansible, world, SESSION, options_for(SESSION, world, code))
    assert_one_clean_line(
        result,
        "GetSessionToken was not called: the MFA code given \\(mfa_token\\) was sent to AWS at .* UTC and AWS "
        "accepts a code once; the MFA session it bought has less than a minute left",
    )
    assert result.calls == []


def test_a_role_given_the_code_that_bought_its_session_is_renewed_with_the_session_until_its_last_minute(
    ansible, world
):
    code = world.totp()
    assert_clean_success(run(ansible, world, ROLE, options_for(ROLE, world, code)))
    cache = cli_cache(ansible)

    # The role is used up, the session has a minute and a half: the role is bought again with the session.
    set_remaining(cache, SAME_CODE_WINDOW + MINUTE)
    result = assert_clean_success(run(ansible, world, ROLE, options_for(ROLE, world, code)))
    assert [(call.action, call.coded) for call in result.calls] == [("AssumeRole", False)]

    # Neither can serve: the stale code is told as such, and not sent.
    set_remaining(cache, SAME_CODE_WINDOW - 30)
    result = run(ansible, world, ROLE, options_for(ROLE, world, code))
    assert_one_clean_line(
        result,
        "AssumeRole was not called: the MFA code given \\(mfa_token\\) was sent to AWS at .* UTC and AWS "
        "accepts a code once; the MFA session it bought has less than a minute left",
    )
    assert result.calls == []


@pytest.mark.parametrize("module", [SESSION, ROLE])
def test_cache_false_leaves_no_credentials_on_disk(ansible, world, tmp_path, module):
    cache_dir = tmp_path / "cache"
    options = {**options_for(module, world), "cache": False, "cache_dir": str(cache_dir)}
    result = assert_clean_success(run(ansible, world, module, options))
    got = result.json("localhost-got")
    secrets = {got["credentials"]["secret_key"], got["credentials"]["session_token"], got["credentials"]["access_key"]}
    assert all(secrets)
    for directory in (cache_dir, cli_cache(ansible)):
        for path in directory.rglob("*") if directory.is_dir() else ():
            if path.is_file():
                text = path.read_text(errors="replace")
                assert '"Credentials"' not in text, f"{path} holds credentials"
                assert not [secret for secret in secrets if secret in text], f"{path} holds the session's keys"

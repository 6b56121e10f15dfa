"""When cached credentials are reused: while more than 15 minutes remain (any run), down to one minute for
the code that bought them (the same code in hand can buy nothing else), and never from disk with cache: false.

Each test edits the expiration in the cache entries a real run wrote, on either side of the window, and
counts the STS calls of the next run.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.playbooks.plays import mfa, play, task
from tests.reliability.support import ROLE, SESSION, assert_clean_success, assert_one_clean_line, cli_cache, mfa_role

MINUTE = 60
#: The spend-once rules' REUSE_WINDOW and SAME_CODE_WINDOW (docs/guide.md: "more than 15 minutes left").
REUSE_WINDOW, SAME_CODE_WINDOW = 15 * MINUTE, MINUTE
OPERATION = {SESSION: "GetSessionToken", ROLE: "AssumeRole"}


def set_remaining(directory, seconds):
    """Make every credentials entry in `directory` expire `seconds` from now; returns how many there were."""
    expiration = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = 0
    for path in directory.glob("*.json"):
        entry = json.loads(path.read_text())
        if isinstance(entry, dict) and isinstance(entry.get("Credentials"), dict):
            entry["Credentials"]["Expiration"] = expiration
            path.write_text(json.dumps(entry))
            changed += 1
    return changed


def options_for(module, world, code=None):
    role = {"role_arn": mfa_role(world).arn} if module == ROLE else {}
    if code is False:
        return {**role, "mfa_serial_number": world.mfa_serial}
    return {**role, **mfa(world, code)}


def run(ansible, world, module, options):
    return ansible.run(play(task(module, options, register="got"), save=("got",)), world=world)


@pytest.mark.parametrize("module", [SESSION, ROLE])
def test_reused_with_more_than_15_minutes_left_and_not_with_less(ansible, world, module):
    assert_clean_success(run(ansible, world, module, options_for(module, world)))
    cache = cli_cache(ansible)

    assert set_remaining(cache, REUSE_WINDOW + MINUTE) == 1
    result = assert_clean_success(run(ansible, world, module, options_for(module, world, code=False)))
    assert result.json("localhost-got")["cached"] is True
    assert result.calls == []

    set_remaining(cache, REUSE_WINDOW - MINUTE)
    result = run(ansible, world, module, options_for(module, world, code=False))
    assert_one_clean_line(result, f"{OPERATION[module]} needs an MFA code and no cached credentials are left")
    assert result.calls == []
    # A new code buys new credentials.
    world.emulator.clock.advance(MINUTE)
    result = assert_clean_success(run(ansible, world, module, options_for(module, world)))
    assert result.json("localhost-got")["cached"] is False
    assert result.count(OPERATION[module], coded=True) == 1


@pytest.mark.parametrize("module", [SESSION, ROLE])
def test_the_code_that_bought_them_reuses_them_down_to_one_minute(ansible, world, module):
    code = world.totp()
    assert_clean_success(run(ansible, world, module, options_for(module, world, code)))
    cache = cli_cache(ansible)

    # Under 15 minutes, but the code in hand is the one that bought them: it could buy nothing else.
    set_remaining(cache, REUSE_WINDOW - 5 * MINUTE)
    result = assert_clean_success(run(ansible, world, module, options_for(module, world, code)))
    assert result.json("localhost-got")["cached"] is True
    assert result.calls == []

    set_remaining(cache, SAME_CODE_WINDOW + 30)
    result = assert_clean_success(run(ansible, world, module, options_for(module, world, code)))
    assert result.json("localhost-got")["cached"] is True

    set_remaining(cache, SAME_CODE_WINDOW - 30)
    result = run(ansible, world, module, options_for(module, world, code))
    assert_one_clean_line(result, f"{OPERATION[module]} was not called: this MFA code was already sent to AWS")
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

"""The cache under stress: racing processes, damaged and foreign files, loose permissions, a full or read-only disk."""

import json
import os
import stat
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from tests.harness import PYTHON
from tests.playbooks.plays import mfa, mfa_role, play, task, with_credentials
from tests.reliability.support import (
    LIST,
    ROLE,
    SESSION,
    assert_cache_sound,
    assert_clean_success,
    assert_one_clean_line,
    cli_cache,
    exchange_env,
)

# -- racing processes -------------------------------------------------------------------------------------------

# Each process imports the collection, says it is ready, waits for the start signal, then runs the exchange
# as the controller's plugins do: with the cross-process lock, the same options and the same code.
RACER = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.mfa.aws.plugins.module_utils import _specs
    from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
    from ansible_collections.mfa.aws.plugins.module_utils._sts import exchange as _exchange
    from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
    from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime

    start = sys.argv[2]
    spec, exchange = {
        "get_session_token": (_specs.SESSION_OPTIONS, _exchange.run_session),
        "assume_role": (_specs.ASSUME_ROLE_OPTIONS, _exchange.run_role),
    }[sys.argv[3]]
    options = json.loads(sys.stdin.readline())
    open(start + "." + str(os.getpid()), "w").close()
    while not os.path.exists(start):
        time.sleep(0.001)
    try:
        result = exchange(spec.validate(options), runtime=Runtime(device_lock, None, None))
    except MfaAwsError as error:
        print(json.dumps({"error": str(error)}))
    else:
        print(json.dumps({"credentials": result.as_dict(), "cached": result.cached}))
    """
)


def race(tmp_path, collection, world, exchange, options, processes=8):
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    start = tmp_path / "start"
    env = exchange_env(tmp_path, world)
    command = [str(PYTHON), str(script), str(collection.root), str(start), exchange]
    racers = [
        subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _racer in range(processes)
    ]
    for racer in racers:
        racer.stdin.write(json.dumps(options) + "\n")
        racer.stdin.flush()
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("start.*"))) < processes:
        assert time.monotonic() < deadline, "the racers did not get ready"
        assert all(racer.poll() is None for racer in racers), [racer.communicate() for racer in racers]
        time.sleep(0.01)
    start.touch()
    answers = []
    for racer in racers:
        stdout, stderr = racer.communicate(timeout=120)
        assert racer.returncode == 0 and "Traceback" not in stderr, stderr
        answers.append(json.loads(stdout))
    return answers


@pytest.mark.parametrize("exchange", ["get_session_token", "assume_role"])
def test_eight_processes_one_code_one_call(tmp_path, collection, world, exchange):
    cache_dir = tmp_path / "cache"
    options = {**mfa(world), "cache_dir": str(cache_dir)}
    if exchange == "assume_role":
        options["role_arn"] = mfa_role(world).arn
    answers = race(tmp_path, collection, world, exchange, options)
    assert all("credentials" in answer for answer in answers), answers
    assert len({json.dumps(answer["credentials"], sort_keys=True) for answer in answers}) == 1
    assert sorted(answer["cached"] for answer in answers) == [False] + [True] * 7
    action = "GetSessionToken" if exchange == "get_session_token" else "AssumeRole"
    assert len(world.calls(action=action)) == 1
    assert len(world.calls(coded=True)) == 1
    assert_cache_sound(cache_dir)


def test_a_lookup_on_twenty_hosts_with_twenty_forks(ansible, world):
    arguments = f"mfa_serial_number={world.mfa_serial!r}, mfa_token={world.totp()!r}"
    playbook = f"""
- hosts: targets
  gather_facts: false
  vars:
    creds: "{{{{ lookup('mfa.aws.mfa_session', {arguments}) }}}}"
  tasks:
    - name: Save what each host got
      mfa_aws_test_save:
        value: "{{{{ creds | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{{{{ inventory_hostname }}}}.json"
"""
    result = assert_clean_success(ansible.run(playbook, world=world, hosts=20, forks=20), cli_cache(ansible))
    assert result.count("GetSessionToken") == 1
    assert result.count(coded=True) == 1
    seen = {json.dumps(result.json(f"host{index:02d}"), sort_keys=True) for index in range(1, 21)}
    assert len(seen) == 1


# -- damaged and foreign files ----------------------------------------------------------------------------------

DAMAGE = {
    "truncated": lambda text: text[: len(text) // 2],
    "json-list": lambda text: json.dumps([1, 2, 3]),
    "json-null": lambda text: "null",
    "binary-junk": lambda text: b"\x00\xff\xfe\x80junk\x00".decode("latin-1"),
    "empty": lambda text: "",
    "no-credentials": lambda text: json.dumps({"Credentials": "none"}),
    "credentials-without-token": lambda text: json.dumps(
        {"Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "x", "Expiration": "2099-01-01T00:00:00Z"}}
    ),
    "bad-expiration": lambda text: text.replace('"Expiration": "', '"Expiration": "not a date '),
    "other-tool-format": lambda text: "[default]\naws_access_key_id = AKIA\n",
    "deeply-nested": lambda text: "[" * 100_000 + "]" * 100_000,
    "huge": lambda text: json.dumps({**json.loads(text), "padding": "x" * 300_000}),
    "identity-not-a-dict": lambda text: json.dumps({**json.loads(text), "CallerIdentity": ["not", "a", "dict"]}),
    "role-user-not-a-dict": lambda text: json.dumps({**json.loads(text), "AssumedRoleUser": "arn:aws:iam::1:x"}),
}
#: Damages that leave the record of codes sent (digests, no credentials) as usable as it was.
RECORD_UNHARMED = {"bad-expiration"}


def damage_everything(directory: Path, how: str) -> list[str]:
    """Damage every JSON file the first run wrote: the credentials entry and the spent-code ledger."""
    damaged = []
    for path in sorted(directory.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(DAMAGE[how](text).encode("latin-1"))
        damaged.append(path.name)
    return damaged


def next_code(world):
    """A code the device shows later: the emulator's clock moves a minute on, the first code is spent."""
    world.emulator.clock.advance(60)
    return world.totp()


@pytest.mark.parametrize("how", list(DAMAGE))
def test_every_kind_of_damage_reads_as_a_miss(tmp_path, how):
    """Each damage, straight against the cache classes; the playbook runs below take a few of them end to end."""
    from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
    from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import (
        CredentialCache,
        is_credentials_response,
    )
    from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCodes

    cache, _warnings = CredentialCache.open(str(tmp_path / "cache"))
    cache.put(
        "entry",
        {
            "Credentials": {
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "secret",
                "SessionToken": "token",
                "Expiration": "2099-01-01T00:00:00Z",
            }
        },
    )
    spent = SpentCodes("arn:aws:iam::123456789012:mfa/alice", cache.directory)
    spent.record("123456", "entry", "GetSessionToken")
    damage_everything(tmp_path / "cache", how)
    entry = cache.get("entry")
    assert entry is None or not is_credentials_response(entry)
    if how in RECORD_UNHARMED:
        assert spent.lookup("123456") is not None
    else:
        # Never read as empty, which would let the code be sent again: the call stops, saying which file.
        with pytest.raises(MfaAwsError, match=r"record of MFA codes sent \(.*\) can't be read, so a code could be sent"):
            spent.lookup("123456")


#: End to end, the damages that fail differently: unparsable, unreadable bytes, parsable but incomplete.
END_TO_END_DAMAGE = ["truncated", "binary-junk", "credentials-without-token"]


@pytest.mark.parametrize("how", END_TO_END_DAMAGE)
def test_a_damaged_session_entry_is_a_miss_and_is_replaced(ansible, world, how):
    first = play(task(SESSION, mfa(world)))
    assert_clean_success(ansible.run(first, world=world))
    damaged = damage_everything(cli_cache(ansible), how)
    assert any(name.startswith("mfa-aws-session-") for name in damaged), damaged

    # The entry written in place of the damaged one is whole: a later task, in a worker of its own, reuses it
    # without a code.
    again = play(
        task(SESSION, mfa(world, next_code(world)), register="session"),
        task(SESSION, {"mfa_serial_number": world.mfa_serial}, register="reuse"),
        save=("session", "reuse"),
    )
    result = assert_clean_success(ansible.run(again, world=world), cli_cache(ansible))
    assert result.json("localhost-session")["cached"] is False
    assert result.json("localhost-reuse")["cached"] is True
    # The new session's calls, and none for the reuse.
    bought = [("GetSessionToken", True), ("GetCallerIdentity", False)]
    assert [(call.action, call.coded) for call in result.calls] == bought, result.calls


@pytest.mark.parametrize("how", ["truncated", "binary-junk"])
def test_a_damaged_role_entry_in_the_cli_cache_is_a_miss(ansible, world, how):
    role = mfa_role(world)
    first = play(task(ROLE, {"role_arn": role.arn, **mfa(world)}))
    assert_clean_success(ansible.run(first, world=world))
    damage_everything(cli_cache(ansible), how)

    again = play(task(ROLE, {"role_arn": role.arn, **mfa(world, next_code(world))}, register="role"), save=("role",))
    result = assert_clean_success(ansible.run(again, world=world), cli_cache(ansible))
    assert result.json("localhost-role")["cached"] is False
    # The session's entry was damaged too: the new code buys a new session, which buys the role.
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole", coded=False) == 1


def test_a_damaged_entry_without_a_code_asks_for_one(ansible, world):
    assert_clean_success(ansible.run(play(task(SESSION, mfa(world))), world=world))
    damage_everything(cli_cache(ansible), "truncated")
    result = ansible.run(play(task(SESSION, {"mfa_serial_number": world.mfa_serial})), world=world)
    assert_one_clean_line(result, "GetSessionToken needs an MFA code and no cached credentials are left")
    assert result.calls == []


# -- permissions ------------------------------------------------------------------------------------------------


def lookup_task(world, cache_dir):
    """Sets the fact `session` from the mfa_session lookup."""
    arguments = f"mfa_serial_number={world.mfa_serial!r}, mfa_token={world.totp()!r}, cache_dir={str(cache_dir)!r}"
    return f"""
    - name: Read an MFA session through the lookup
      ansible.builtin.set_fact:
        session: "{{{{ lookup('mfa.aws.mfa_session', {arguments}) }}}}"
"""


@pytest.mark.parametrize(("caller", "mode"), [("module", 0o777), ("lookup", 0o777), ("module", 0o750)])
def test_a_loose_cache_dir_is_tightened_and_said_so(ansible, world, tmp_path, caller, mode):
    cache_dir = tmp_path / "loose"
    cache_dir.mkdir()
    cache_dir.chmod(mode)
    if caller == "module":
        steps = play(task(SESSION, {**mfa(world), "cache_dir": str(cache_dir)}))
    else:
        steps = play(lookup_task(world, cache_dir))
    result = assert_clean_success(ansible.run(steps, world=world), cache_dir)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    said = " ".join(result.output.split())
    assert f"[WARNING]: cache_dir {cache_dir} was readable by others (mode {mode:o}); it is now 700" in said
    for path in cache_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_private_cache_dir_draws_no_warning(ansible, world, tmp_path):
    cache_dir = tmp_path / "private"
    result = assert_clean_success(
        ansible.run(play(task(SESSION, {**mfa(world), "cache_dir": str(cache_dir)})), world=world), cache_dir
    )
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert "[WARNING]" not in result.output


# -- a disk that takes no more writes ---------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["module", "lookup"])
def test_credentials_still_come_when_the_cache_cannot_be_written(ansible, world, unwritable_cache_dir, caller):
    cache_dir, reason = unwritable_cache_dir
    if caller == "module":
        get = task(SESSION, {**mfa(world), "cache_dir": str(cache_dir)})
        use = task(LIST, with_credentials("aws_mfa_session"), register="listing")
    else:
        get = lookup_task(world, cache_dir)
        use = task(LIST, with_credentials("session"), register="listing")
    result = assert_clean_success(ansible.run(play(get, use, save=("listing",)), world=world), cache_dir)
    assert result.json("localhost-listing")["count"] == len(world.buckets)
    said = " ".join(result.output.split())
    assert f"[WARNING]: credentials were not cached in {cache_dir}" in said
    if reason:
        assert reason in said
    assert not [name for name in os.listdir(cache_dir) if name.endswith((".json", ".tmp"))]
    assert result.count("GetSessionToken", coded=True) == 1

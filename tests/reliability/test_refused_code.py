"""A code AWS refuses, sent once whatever the number of workers: every host fails with AWS's answer, in one line.

guide.md: "A code that was already spent is never sent again. If AWS refused it, every worker fails with AWS's
answer". Each test counts the coded calls the emulator answered and reads every host's fatal line.
"""

import json
import re

import pytest

from tests.emulator_tests._aws import code_outside_window
from tests.playbooks.plays import mfa_role, play, task
from tests.reliability.support import SESSION
from tests.reliability.test_cache_safety import race

HOSTS, FORKS = 20, 10
REFUSED = r"refused the MFA code: it is wrong, expired, or was already used"


def fatal_messages(result):
    """{host: message} from every `fatal: [host]: FAILED! => {...}` line of the run."""
    messages = {}
    for line in result.stdout.splitlines():
        match = re.match(r"fatal: \[(?P<host>[^\]]+)\]: FAILED! => (?P<json>\{.*\})$", line)
        if match:
            assert match["host"] not in messages, result.describe(f"two fatal lines for {match['host']}")
            messages[match["host"]] = json.loads(match["json"])["msg"]
    return messages


def assert_every_host_failed_alike(result, match):
    """Every host failed, each with one fatal line whose message is the same single line, matching `match`."""
    result.assert_failed(match=match)
    assert "Traceback" not in result.output, result.describe("a traceback in the output")
    messages = fatal_messages(result)
    assert sorted(messages) == [f"host{index:02d}" for index in range(1, HOSTS + 1)], result.describe(
        f"{len(messages)} hosts failed, not {HOSTS}"
    )
    assert len(set(messages.values())) == 1, f"the hosts failed differently: {sorted(set(messages.values()))}"
    message = next(iter(messages.values()))
    assert len(message.splitlines()) == 1 and re.search(match, message), message
    assert result.recap and all(result.recap[host]["failed"] == 1 for host in messages)
    return message


@pytest.mark.parametrize("module", ["mfa.aws.sts_mfa_session", "mfa.aws.sts_mfa_assume_role"])
def test_twenty_hosts_ten_forks_one_refused_call(ansible, world, module):
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token": code_outside_window(world)}
    if module.endswith("assume_role"):
        options["role_arn"] = mfa_role(world).arn
    result = ansible.run(play(task(module, options), hosts="targets"), world=world, hosts=HOSTS, forks=FORKS)
    message = assert_every_host_failed_alike(result, REFUSED)
    assert "AccessDenied" in message
    assert result.count(coded=True) == 1
    assert [call.outcome for call in result.calls if call.coded] == ["AccessDenied"]


@pytest.mark.parametrize("exchange", ["get_session_token", "assume_role"])
def test_eight_racing_processes_one_refused_call(tmp_path, collection, world, exchange):
    options = {
        "mfa_serial_number": world.mfa_serial,
        "mfa_token": code_outside_window(world),
        "cache_dir": str(tmp_path / "cache"),
    }
    if exchange == "assume_role":
        options["role_arn"] = mfa_role(world).arn
    answers = race(tmp_path, collection, world, exchange, options)
    assert all(set(answer) == {"error"} for answer in answers), answers
    errors = {answer["error"] for answer in answers}
    assert len(errors) == 1, errors
    assert re.search(REFUSED, errors.pop())
    assert len(world.calls(coded=True)) == 1


def test_twenty_hosts_one_refused_call_through_the_token_command(ansible, world, tmp_path):
    wrong = code_outside_window(world)
    command = tmp_path / "wrong-code.sh"
    command.write_text(f"#!/bin/sh\necho {wrong}\n")
    command.chmod(0o755)
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token_command": str(command)}
    # This run takes seconds; the timeout stops a minute-per-host wait for the next code, were it back.
    result = ansible.run(
        play(task(SESSION, options), hosts="targets"), world=world, hosts=HOSTS, forks=FORKS, timeout=100
    )
    assert_every_host_failed_alike(result, REFUSED)
    assert result.count(coded=True) == 1

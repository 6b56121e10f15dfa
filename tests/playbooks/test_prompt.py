"""Asked for the code at the controller's terminal only when a coded call is due: once, whatever the hosts."""

import re

from tests.harness import REPO_ROOT
from tests.harness.terminal import Terminal
from tests.playbooks.plays import lookup_play, mfa_role, play, task


def test_twenty_hosts_one_prompt_one_call_and_a_rerun_asks_nothing(ansible, world):
    playbook = lookup_play(mfa_role(world).arn, mfa_serial_number=world.mfa_serial)
    person = Terminal(world.totp)
    result = ansible.run(playbook, world=world, hosts=20, forks=10, terminal=person).assert_ok()
    assert person.prompts == [world.mfa_serial]
    assert result.count("GetSessionToken", coded=True) == 1 and result.count("AssumeRole", coded=False) == 1
    assert result.count() == 2
    assert world.totp() not in result.output  # typed without echo
    # Four hosts in four workers show the rerun's cache hits as well as twenty would.
    again = Terminal()
    rerun = ansible.run(playbook, world=world, hosts=4, forks=4, terminal=again).assert_ok()
    assert again.prompts == [] and rerun.count() == 0


def test_without_a_terminal_every_host_fails_at_once_in_one_line(ansible, world):
    playbook = lookup_play(mfa_role(world).arn, mfa_serial_number=world.mfa_serial, tasks=1, save=False)
    result = ansible.run(playbook, world=world, hosts=20, forks=10, timeout=60)
    result.assert_failed(match="no terminal to ask on: set mfa_token")
    failures = re.findall(r"^fatal: \[(host\d+)\]: FAILED! => (.*)$", result.output, re.M)
    assert len(failures) == 20 and len({line for _host, line in failures}) == 1
    assert "-e mfa_code=123456" in failures[0][1] and "mfa_token_command" in failures[0][1]
    assert result.calls == []


def test_a_refused_code_is_asked_for_again_with_awss_reason(ansible, world):
    wrong = f"{(int(world.totp()) + 500000) % 1000000:06d}"
    person = Terminal(wrong, world.totp)
    steps = play(task("mfa.aws.sts_mfa_session", {"mfa_serial_number": world.mfa_serial}))
    result = ansible.run(steps, world=world, terminal=person).assert_ok()
    assert person.prompts == [world.mfa_serial, world.mfa_serial]
    assert "refused the MFA code" in result.output.split("MFA code for")[1]  # AWS's reason, shown before asking again
    assert [call.outcome for call in result.calls if call.coded] == ["AccessDenied", "ok"]


def test_no_prompt_where_asked_not_to_even_with_a_terminal(ansible, world):
    person = Terminal(world.totp)
    steps = play(task("mfa.aws.sts_mfa_session", {"mfa_serial_number": world.mfa_serial}))
    result = ansible.run(steps, world=world, terminal=person, env={"MFA_AWS_NO_PROMPT": "1"}, timeout=60)
    result.assert_failed(match="no terminal to ask on: set mfa_token")
    assert person.prompts == [] and result.calls == []


def test_the_example_playbook_asks_once_and_a_rerun_asks_nothing(ansible, world):
    playbook = REPO_ROOT / "playbooks" / "session_list_buckets.yml"
    first = Terminal(world.totp)
    result = ansible.run(playbook, world=world, extra_vars={"mfa_serial": world.mfa_serial}, terminal=first).assert_ok()
    assert first.prompts == [world.mfa_serial] and result.count("GetSessionToken", coded=True) == 1
    again = Terminal()
    rerun = ansible.run(playbook, world=world, extra_vars={"mfa_serial": world.mfa_serial}, terminal=again).assert_ok()
    assert again.prompts == [] and rerun.count(coded=True) == 0

"""A refused option costs nothing: no STS call is made, and the valid code given with it still works after.

The fuzz tests (test_validation_fuzz.py) cover the values; these run the real plugins with a few of the
values the fuzzing found the checks once let through, or that AWS would refuse after the code was spent.
"""

import re

import pytest

from tests.playbooks.plays import case_task, mfa, mfa_role, play, save_cases, task
from tests.reliability.support import (
    LIST,
    ROLE,
    SESSION,
    assert_cache_sound,
    assert_clean_success,
    assert_one_clean_line,
    cli_cache,
)

CASES = [
    (SESSION, {"duration_seconds": 899}, "duration_seconds: must be from 900 to 129600 seconds, got 899"),
    (SESSION, {"mfa_serial_number": "arn:aws:iam::123456789012:mfa/élise"}, "mfa_serial_number: must be 9-256"),
    (SESSION, {"endpoint_url": "http://"}, "endpoint_url: 'http://' is not a URL with a valid host name"),
    (SESSION, {"region": "eu west 1"}, "region: 'eu west 1' is not a region name"),
    (ROLE, {"role_session_name": "é1"}, "role_session_name: must be 2-64 characters"),
    (ROLE, {"external_id": "a b"}, "external_id: must be 2-1224 characters"),
    (ROLE, {"source_identity": "aws:me"}, "source_identity: must be 2-256 characters"),
    (ROLE, {"source_identity": "AWS:me"}, "source_identity: must be 2-256 characters.*not start with 'aws:'"),
    (ROLE, {"duration_seconds": 43201}, "duration_seconds: must be from 900 to 43200 seconds"),
    (ROLE, {"policy": '{"Version": "2012-10-17", "Statement": NaN}'}, "policy: is not valid JSON"),
    (ROLE, {"tags": {"team": "a", "Team": "b"}}, "tags: keys 'team' and 'Team' differ only in case"),
    (ROLE, {"tags": {"a\tb": "c"}}, r"tags: key 'a\\tb' must be 1-128"),
    (
        ROLE,
        {"tags": {"a": "1"}, "transitive_tag_keys": ["b\nc"]},
        r"transitive_tag_keys: names keys that are not in tags: b\\nc",
    ),
    (ROLE, {"policy_arns": [f"arn:aws:iam::aws:policy/P{i}" for i in range(11)]}, "policy_arns: takes at most 10"),
]


def options_for(module, world, extra):
    role = {"role_arn": mfa_role(world).arn} if module == ROLE else {}
    return {**role, **mfa(world), **extra}


@pytest.fixture(scope="module")
def refusals(module_ansible, emulator):
    """Every case of CASES with one code, as the tasks of one play (a refusal does not end it); then that same code
    with valid options for both modules, which AWS takes only if no refusal sent it or recorded it as spent."""
    world = emulator.build_world()
    code = world.totp()
    tasks = [
        case_task(module, options_for(module, world, {**bad, "mfa_token": code}), index)
        for index, (module, bad, _message) in enumerate(CASES)
    ]
    refused = module_ansible.run(play(*tasks, save_cases(len(CASES))), world=world)
    calls_before = world.calls()
    valid = [task(module, options_for(module, world, {"mfa_token": code})) for module in (ROLE, SESSION)]
    accepted = module_ansible.run(play(*valid), world=world)
    return refused, calls_before, accepted


def test_refusals_make_no_call_and_leave_the_code_good(refusals, module_ansible):
    refused, calls_before, accepted = refusals
    assert refused.recap["localhost"]["ignored"] == len(CASES), refused.describe("not every case was refused")
    assert "Traceback" not in refused.output, refused.describe("a traceback in the output")
    assert refused.calls == [] and calls_before == []
    assert_cache_sound(cli_cache(module_ansible))
    # The same code, with valid options: AWS takes it, so nothing was sent or recorded as spent before.
    assert_clean_success(accepted, cli_cache(module_ansible))
    assert accepted.count(coded=True) == 1


@pytest.mark.parametrize(
    ("index", "message"),
    [(index, case[2]) for index, case in enumerate(CASES)],
    ids=[f"{case[0].split('.')[-1]}-{next(iter(case[1]))}" for case in CASES],
)
def test_a_refusal_is_one_line_naming_the_option(refusals, index, message):
    outcome = refusals[0].json("localhost-cases")[index]
    assert outcome.get("failed") is True, outcome
    assert len(outcome["msg"].splitlines()) == 1, f"not one line: {outcome['msg']!r}"
    assert re.search(message, outcome["msg"]), f"{message!r} is not in the message: {outcome['msg']!r}"


def test_a_lookup_refusal_makes_no_call(ansible, world):
    role = mfa_role(world)
    arguments = (
        f"{role.arn!r}, mfa_serial_number={world.mfa_serial!r}, mfa_token={world.totp()!r}, role_session_name='x'"
    )
    playbook = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Use a role through the lookup
      ansible.builtin.debug:
        msg: "{{{{ lookup('mfa.aws.mfa_assume_role', {arguments}).expiration }}}}"
"""
    result = ansible.run(playbook, world=world)
    assert_one_clean_line(result, "role_session_name: must be 2-64 characters", cli_cache(ansible))
    assert world.calls() == []


def test_several_roles_are_all_checked_before_the_code_is_spent(ansible, world):
    arns = [role.arn for role in world.roles.values()] + ["arn:aws:iam::123456789012:role/bad name"]
    terms = ", ".join(repr(arn) for arn in arns)
    mfa_keywords = f"mfa_serial_number={world.mfa_serial!r}, mfa_token={world.totp()!r}"
    playbook = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Open every role
      ansible.builtin.debug:
        msg: "{{{{ query('mfa.aws.mfa_assume_role', {terms}, {mfa_keywords}) | length }}}}"
"""
    result = ansible.run(playbook, world=world)
    assert_one_clean_line(result, "role_arn: must be a role ARN", cli_cache(ansible))
    assert world.calls() == []


def test_s3_bucket_list_refuses_before_listing(ansible, world):
    result = ansible.run(play(task(LIST, {"bucket_region": "eu-west-1\nus-east-1"})), world=world)
    assert_one_clean_line(result, r"bucket_region: 'eu-west-1\\nus-east-1' is not a region code")

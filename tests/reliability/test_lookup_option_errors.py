"""A lookup option of the wrong type is refused in one line that never quotes the value (it may be a secret)."""

import re

import pytest

from tests.playbooks.plays import case_task, mfa_role, play, save_cases
from tests.reliability.support import assert_one_clean_line

SECRET = "wJalrXUtnFEMI-K7MDENG-SECRETVALUE"


WRONG_TYPES = [
    ({"session_token": f"{{'secret_key': '{SECRET}'}}", "access_key": "'AKIAIOSFODNN7EXAMPLE'",
      "secret_key": f"'{SECRET}'"}, "session_token"),
    ({"mfa_token": "[987654]"}, "mfa_token"),
    ({"secret_key": f"['{SECRET}']", "access_key": "'AKIAIOSFODNN7EXAMPLE'"}, "secret_key"),
    ({"cache": f"'{SECRET}'"}, "cache"),
]

UNKNOWN_KEYWORDS = [
    # Ansible drops keywords a lookup does not document: this one would have left the role at an hour.
    ("mfa.aws.mfa_assume_role", "durration_seconds=900, bogus_option='x'",
     r"Unsupported parameters for \(mfa\.aws\.mfa_assume_role\) lookup: bogus_option, "
     r"durration_seconds \(did you mean duration_seconds\?\)\. Supported parameters include: access_key"),
    ("mfa.aws.mfa_session", "mfa_code=mfa_code", r"mfa_code \(did you mean mfa_token\?\)"),
    ("mfa.aws.mfa_assume_role", "write_profile='mfa'", r"write_profile \(only the modules take it\)"),
    ("mfa.aws.mfa_assume_role", "role_arn=role", r"role_arn \(the role ARNs are the lookup's terms\)"),
]


# The module's own rules, which the spec checks once the lookup has read its options.
SPEC_RULES = [
    ("mfa.aws.mfa_session", "access_key='AKIAIOSFODNN7EXAMPLE'", r"^access_key was given without secret_key"),
    ("mfa.aws.mfa_assume_role", f"profile='p', access_key='AKIAIOSFODNN7EXAMPLE', secret_key='{SECRET}'",
     r"^profile and access_key were both given"),
]


def lookup_case(index, name, arguments):
    """Case `index`: the lookup in a set_fact whose failure is registered and does not end the play."""
    return case_task("ansible.builtin.set_fact", {"creds": f"{{{{ lookup('{name}', {arguments}) }}}}"}, index)


@pytest.fixture(scope="module")
def wrong_types(module_ansible, emulator):
    """Every case of WRONG_TYPES in one play, run as is and at -vvvv."""
    world = emulator.build_world()
    role = mfa_role(world).arn
    steps = play(
        *(
            lookup_case(index, "mfa.aws.mfa_assume_role",
                        f"'{role}', mfa_serial_number='{world.mfa_serial}', "
                        + ", ".join(f"{key}={value}" for key, value in keywords.items()))
            for index, (keywords, _named) in enumerate(WRONG_TYPES)
        ),
        save_cases(len(WRONG_TYPES)),
    )
    return module_ansible.run(steps, world=world), module_ansible.run(steps, world=world, verbosity=4)


def test_a_wrong_type_is_never_quoted_at_any_verbosity(wrong_types):
    for run in wrong_types:
        assert run.recap["localhost"]["ignored"] == len(WRONG_TYPES), run.describe("not every case was refused")
        assert "Traceback" not in run.output, run.describe("a traceback in the output")
        for secret in (SECRET, "987654"):
            assert secret not in run.output, f"{secret} is in the output"
        assert run.calls == []


@pytest.mark.parametrize(("index", "named"), [(index, case[1]) for index, case in enumerate(WRONG_TYPES)])
def test_wrong_types_are_named_not_quoted(wrong_types, index, named):
    message = wrong_types[0].json("localhost-cases")[index]["msg"]
    assert len(message.splitlines()) == 1 and re.search(named, message), message
    assert SECRET not in message and "987654" not in message


def lookup_task(world, name, arguments):
    return play(
        "    - name: The lookup\n"
        "      ansible.builtin.set_fact:\n"
        f"        creds: \"{{{{ lookup('{name}', {arguments}) }}}}\"\n"
    )


@pytest.fixture(scope="module")
def unknown_keywords(module_ansible, emulator):
    """Every case of UNKNOWN_KEYWORDS, then of SPEC_RULES, in one play."""
    world = emulator.build_world()
    cases = []
    for index, (name, keywords, _named) in enumerate(UNKNOWN_KEYWORDS + SPEC_RULES):
        terms = f"'{mfa_role(world).arn}', " if name.endswith("assume_role") and "role_arn" not in keywords else ""
        arguments = f"{terms}mfa_serial_number='{world.mfa_serial}', mfa_token='{world.totp()}', {keywords}"
        cases.append(lookup_case(index, name, arguments))
    return module_ansible.run(
        play(*cases, save_cases(len(cases))), world=world, extra_vars={"mfa_code": "123456", "role": "x"}
    )


def test_unknown_keywords_make_no_call(unknown_keywords):
    refused = len(UNKNOWN_KEYWORDS + SPEC_RULES)
    assert unknown_keywords.recap["localhost"]["ignored"] == refused, unknown_keywords.describe(
        "not every case was refused"
    )
    assert "Traceback" not in unknown_keywords.output and unknown_keywords.calls == []
    assert SECRET not in unknown_keywords.output


@pytest.mark.parametrize(("index", "named"), [(index, case[2]) for index, case in enumerate(UNKNOWN_KEYWORDS)])
def test_an_unknown_keyword_is_refused_with_the_option_meant(unknown_keywords, index, named):
    message = unknown_keywords.json("localhost-cases")[index]["msg"]
    assert len(message.splitlines()) == 1 and re.search(named, message), message


@pytest.mark.parametrize(
    ("index", "named"), [(len(UNKNOWN_KEYWORDS) + index, case[2]) for index, case in enumerate(SPEC_RULES)]
)
def test_a_lookups_options_meet_the_modules_rules(unknown_keywords, index, named):
    message = unknown_keywords.json("localhost-cases")[index]["msg"]
    assert len(message.splitlines()) == 1 and re.search(named, message.rsplit(" failed: ", 1)[-1]), message


def test_a_misspelt_serial_does_not_fall_back_to_the_environment(ansible, world):
    arguments = f"mfa_serial='{world.mfa_serial}', mfa_token='{world.totp()}'"
    result = ansible.run(
        lookup_task(world, "mfa.aws.mfa_session", arguments), world=world,
        env={"MFA_AWS_SERIAL_NUMBER": f"arn:aws:iam::{world.account_id}:mfa/someone-else"},
    )
    assert_one_clean_line(result, r"mfa_serial \(did you mean mfa_serial_number\?\)")
    assert result.calls == []

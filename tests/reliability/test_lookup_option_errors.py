"""A lookup option of the wrong type is refused in one line that never quotes the value (it may be a secret)."""

import pytest

from tests.playbooks.plays import mfa_role, play
from tests.reliability.support import assert_one_clean_line

SECRET = "wJalrXUtnFEMI-K7MDENG-SECRETVALUE"


@pytest.mark.parametrize(
    ("keywords", "named"),
    [
        ({"session_token": f"{{'secret_key': '{SECRET}'}}", "access_key": "'AKIAIOSFODNN7EXAMPLE'",
          "secret_key": f"'{SECRET}'"}, "session_token"),
        ({"mfa_token": "[987654]"}, "mfa_token"),
        ({"secret_key": f"['{SECRET}']", "access_key": "'AKIAIOSFODNN7EXAMPLE'"}, "secret_key"),
        ({"cache": f"'{SECRET}'"}, "cache"),
    ],
)
def test_wrong_types_are_named_not_quoted(ansible, world, keywords, named):
    arguments = ", ".join(f"{key}={value}" for key, value in keywords.items())
    steps = play(
        "    - name: The lookup with an option of the wrong type\n"
        "      ansible.builtin.set_fact:\n"
        f"        creds: \"{{{{ lookup('mfa.aws.mfa_assume_role', '{mfa_role(world).arn}', "
        f"mfa_serial_number='{world.mfa_serial}', {arguments}) }}}}\"\n"
    )
    message = assert_one_clean_line(ansible.run(steps, world=world), named)
    loud = ansible.run(steps, world=world, verbosity=4)
    for secret in (SECRET, "987654"):
        assert secret not in message and secret not in loud.output, f"{secret} is in the output"
    assert loud.calls == []


def lookup_task(world, name, arguments):
    return play(
        "    - name: The lookup\n"
        "      ansible.builtin.set_fact:\n"
        f"        creds: \"{{{{ lookup('{name}', {arguments}) }}}}\"\n"
    )


@pytest.mark.parametrize(
    ("name", "keywords", "named"),
    [
        # Ansible drops keywords a lookup does not document: this one would have left the role at an hour.
        ("mfa.aws.mfa_assume_role", "durration_seconds=900, bogus_option='x'",
         r"Unsupported parameters for \(mfa\.aws\.mfa_assume_role\) lookup: bogus_option, "
         r"durration_seconds \(did you mean duration_seconds\?\)\. Supported parameters include: access_key"),
        ("mfa.aws.mfa_session", "mfa_code=mfa_code", r"mfa_code \(did you mean mfa_token\?\)"),
        ("mfa.aws.mfa_assume_role", "write_profile='mfa'", r"write_profile \(only the modules take it\)"),
        ("mfa.aws.mfa_assume_role", "role_arn=role", r"role_arn \(the role ARNs are the lookup's terms\)"),
    ],
)
def test_an_unknown_keyword_is_refused_with_the_option_meant(ansible, world, name, keywords, named):
    terms = f"'{mfa_role(world).arn}', " if name.endswith("assume_role") and "role_arn" not in keywords else ""
    arguments = f"{terms}mfa_serial_number='{world.mfa_serial}', mfa_token='{world.totp()}', {keywords}"
    result = ansible.run(
        lookup_task(world, name, arguments), world=world, extra_vars={"mfa_code": "123456", "role": "x"}
    )
    assert_one_clean_line(result, named)
    assert result.calls == []


def test_a_misspelt_serial_does_not_fall_back_to_the_environment(ansible, world):
    arguments = f"mfa_serial='{world.mfa_serial}', mfa_token='{world.totp()}'"
    result = ansible.run(
        lookup_task(world, "mfa.aws.mfa_session", arguments), world=world,
        env={"MFA_AWS_SERIAL_NUMBER": f"arn:aws:iam::{world.account_id}:mfa/someone-else"},
    )
    assert_one_clean_line(result, r"mfa_serial \(did you mean mfa_serial_number\?\)")
    assert result.calls == []

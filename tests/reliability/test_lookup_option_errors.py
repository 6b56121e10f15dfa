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

"""A cache entry serves only the keys that bought it: the right access key ID with another secret, or a role
session bought with an MFA session, is never handed to a caller who signs differently."""

from tests.playbooks.plays import mfa, mfa_role, play, task
from tests.reliability.support import ROLE, SESSION, assert_clean_success, assert_one_clean_line


def test_a_cached_session_is_not_served_to_a_wrong_secret_key(ansible, world):
    assert_clean_success(ansible.run(play(task(SESSION, mfa(world))), world=world))
    impostor = {
        "access_key": world.access_key_id,
        "secret_key": "not-" + world.secret_access_key[4:],
        "mfa_serial_number": world.mfa_serial,
    }
    result = ansible.run(play(task(SESSION, impostor, "session"), save=("session",)), world=world)
    assert_one_clean_line(result, "needs an MFA code and no cached credentials are left")
    assert result.calls == []


def test_a_role_session_bought_with_an_mfa_session_is_not_served_to_other_keys(ansible, world):
    arn = mfa_role(world).arn
    fan_out = (
        "    - name: Two roles with one code\n"
        "      ansible.builtin.set_fact:\n"
        f"        roles: \"{{{{ query('mfa.aws.mfa_assume_role', '{arn}', '{arn}', "
        f"mfa_serial_number='{world.mfa_serial}', mfa_token='{world.totp()}') }}}}\"\n"
    )
    assert_clean_success(ansible.run(play(fan_out), world=world))
    stranger = {
        "role_arn": arn,
        "access_key": "AKIAIOSFODNN7NOTREAL",
        "secret_key": "a-secret-of-nobody",
        "session_token": "a-token-of-nobody",
    }
    result = ansible.run(play(task(ROLE, stranger)), world=world)
    # AWS was asked, with the stranger's keys (the emulator logs such calls under no account of the world).
    assert_one_clean_line(result, "AWS does not recognise the access key that signed AssumeRole")

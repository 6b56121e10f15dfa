"""Entries are bound to the STS endpoint that issued them: credentials bought from one endpoint
are never served to a request naming another. One emulator answers at two URLs, 127.0.0.1 and localhost, which
botocore treats as two endpoints, as it would two regions' or a VPC endpoint and AWS's own."""

from tests.lifetime.support import summary
from tests.playbooks.plays import play, task
from tests.reliability.support import assert_clean_success


def role_at(world, endpoint_url):
    expression = (
        f"lookup('mfa.aws.mfa_assume_role', '{world.roles['admin'].arn}', mfa_serial_number='{world.mfa_serial}', "
        f"mfa_token=mfa_code, endpoint_url='{endpoint_url}')"
    )
    return play(task("ansible.builtin.set_fact", {"role": "{{ " + expression + " }}"}), save=("role",))


def test_credentials_from_one_endpoint_are_not_served_to_a_request_for_another(ansible, emulator, clock):
    world = emulator.build_world()
    numeric = emulator.endpoint_url
    named = numeric.replace("127.0.0.1", "localhost")
    assert named != numeric

    def run(endpoint_url):
        return assert_clean_success(
            ansible.run(role_at(world, endpoint_url), world=world, extra_vars={"mfa_code": world.totp()})
        )

    first = run(numeric)
    clock.advance(60)  # the device's next code
    second = run(named)
    # Neither the role nor the MFA session bought at 127.0.0.1 serves localhost: a code buys a session there.
    assert summary(second.calls) == [("GetSessionToken", True, "ok"), ("AssumeRole", False, "ok")]
    assert {call.host for call in second.calls} == {named.removeprefix("http://")}
    assert second.json("localhost-role")["access_key"] != first.json("localhost-role")["access_key"]

    # The first endpoint's MFA session still serves requests for it, with no code. (The role's entry lives under
    # the AWS CLI's key, which names no endpoint: the second run's role took its place, and is not served here.)
    clock.advance(60)
    third = run(numeric)
    assert summary(third.calls) == [("AssumeRole", False, "ok")]
    assert {call.host for call in third.calls} == {numeric.removeprefix("http://")}
    assert third.json("localhost-role")["access_key"] not in (
        second.json("localhost-role")["access_key"],
        first.json("localhost-role")["access_key"],
    )

"""On every supported release the collection runs without a warning: no "does not support this
version", no deprecation of an API it uses, nothing a release added or removed since 2.16."""

import re

import pytest

from tests.harness import REPO_ROOT

PLAYBOOKS = REPO_ROOT / "playbooks"
WARNING = re.compile(r"\[(?:DEPRECATION )?WARNING\]:.*")


def warnings(result):
    return WARNING.findall(result.output)


@pytest.mark.smoke
def test_the_seed_playbooks_and_the_lookup_warn_of_nothing(ansible, world):
    role = next(role for role in world.roles.values() if role.requires_mfa)
    common = {"mfa_serial": world.mfa_serial}
    session = ansible.run(
        PLAYBOOKS / "session_list_buckets.yml", world=world, extra_vars={**common, "mfa_code": world.totp()}
    ).assert_ok()
    assumed = ansible.run(
        PLAYBOOKS / "assume_role_list_buckets.yml",
        world=world,
        extra_vars={**common, "mfa_code": world.totp(steps=1), "role_arn": role.arn},
    ).assert_ok()
    lookup = ansible.run(
        f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: Every role from the cached session, no code
      ansible.builtin.debug:
        msg: "{{{{ query('mfa.aws.mfa_assume_role', *arns, mfa_serial_number=device) | length }}}} roles"
      vars:
        arns: {[r.arn for r in world.roles.values()]!r}
        device: {world.mfa_serial}
""",
        world=world,
        hosts=2,
    )
    for result in (session, assumed, lookup):
        assert warnings(result) == [], result.describe("the run warned")

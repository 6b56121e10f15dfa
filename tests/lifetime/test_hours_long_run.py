"""A run hours long on the one code typed at its start: the MFA session that code bought renews the roles, with
no code, while the run goes on.

Each test is one ansible-playbook run whose plays lie hours apart on the shared clock; the -e mfa_code given at
the start is stale for every play after the first, and must never reach AWS again.
"""

from tests.emulator import RoleSpec
from tests.lifetime.support import HOUR, MINUTE, by_phase, failed_hosts, phased, summary
from tests.playbooks.plays import task
from tests.reliability.support import assert_clean_success

#: When each play runs: role credentials last an hour, so each later play finds them past their reuse window
#: (15 minutes left at +50 min) or gone, while the MFA session (12 hours) lives through the run.
PHASES = (0, 50 * MINUTE, HOUR + 50 * MINUTE, 2 * HOUR + 50 * MINUTE)
RENEWED = [("AssumeRole", False, "ok")]
BOUGHT = [("GetSessionToken", True, "ok"), *RENEWED]


def lookup(world, role_arn, **options):
    extra = "".join(f", {name}={value!r}" for name, value in options.items())
    return (
        f"lookup('mfa.aws.mfa_assume_role', '{role_arn}', mfa_serial_number='{world.mfa_serial}', "
        f"mfa_token=mfa_code{extra})"
    )


def the_role_s_buckets(buckets):
    return f"""    - name: They are the role's
      ansible.builtin.assert:
        that: listing.buckets | map(attribute='name') | sort == {sorted(buckets)!r}
"""


def listing_play(title, expression, buckets, hosts="targets"):
    """Each of `hosts` lists the role's buckets with the credentials of `expression` (a lookup in play vars)."""
    return f"""
- name: {title}
  hosts: {hosts}
  gather_facts: false
  vars:
    role: "{{{{ {expression} }}}}"
  tasks:
    - name: List the role's buckets, with its keys given one by one as the guide shows
      mfa.aws.s3_bucket_list:
        access_key: "{{{{ role.access_key }}}}"
        secret_key: "{{{{ role.secret_key }}}}"
        session_token: "{{{{ role.session_token }}}}"
      register: listing
{the_role_s_buckets(buckets)}"""


def test_ten_hosts_run_three_hours_on_the_code_typed_at_the_start(ansible, emulator, clock):
    world = emulator.build_world()
    role = world.roles["admin"]
    # Ten hosts in ten workers buy with the one code at once (twenty in ten workers only add a second wave, which
    # finds the cache filled); four hosts in each later play (a pattern's slice takes both its ends) show a renewal
    # in many workers as well as ten would. Each host lists buckets, an S3 client of its own: most of the test's CPU.
    plays = [
        (
            offset,
            listing_play(f"At +{offset // MINUTE} min", lookup(world, role.arn), role.buckets, hosts),
        )
        for offset, hosts in zip(PHASES, ["targets", "targets[0:3]", "targets[0:3]", "targets[0:3]"], strict=True)
    ]
    moved = len(clock.moves)
    result = ansible.run(phased(clock, plays), world=world, hosts=10, forks=10, extra_vars={"mfa_code": world.totp()})
    assert_clean_success(result)
    assert failed_hosts(result) == {}
    phases = [summary(calls) for calls in by_phase(result, clock.moves[moved:])]
    # One code, one MFA session; each later play renews the role through it, and the stale code stays home.
    assert phases == [BOUGHT, RENEWED, RENEWED, RENEWED], phases
    assert result.count(coded=True) == 1
    assert [listing.outcome for listing in result.listings] == ["ok"] * (10 + 3 * 4)


def test_the_session_and_role_modules_run_again_hours_later_on_the_same_code(ansible, emulator, clock):
    world = emulator.build_world()
    role = world.roles["admin"]
    device = {"mfa_serial_number": world.mfa_serial, "mfa_token": "{{ mfa_code }}"}

    listing = {
        "access_key": "{{ assumed.credentials.access_key }}",
        "secret_key": "{{ assumed.credentials.secret_key }}",
        "session_token": "{{ assumed.credentials.session_token }}",
    }

    def modules(offset):
        tasks = (
            task("mfa.aws.sts_mfa_session", device)
            + task("mfa.aws.sts_mfa_assume_role", {"role_arn": role.arn, **device}, "assumed")
            + task("mfa.aws.s3_bucket_list", listing, "listing")
            + the_role_s_buckets(role.buckets)
        )
        return f"""
- name: At +{offset // MINUTE} min
  hosts: localhost
  gather_facts: false
  tasks:
{tasks}"""

    moved = len(clock.moves)
    result = ansible.run(
        phased(clock, [(offset, modules(offset)) for offset in PHASES]),
        world=world,
        extra_vars={"mfa_code": world.totp()},
    )
    assert_clean_success(result)
    phases = [summary(calls) for calls in by_phase(result, clock.moves[moved:])]
    # The role task takes the session sts_mfa_session bought (the same device, keys and length): one code in all.
    assert phases == [BOUGHT, RENEWED, RENEWED, RENEWED], phases
    assert result.count(coded=True) == 1


def test_credentials_of_15_minutes_are_reused_then_renewed_past_a_third_of_their_life(ansible, emulator, clock):
    world = emulator.build_world(roles=[RoleSpec("short", requires_mfa=True)])
    role = world.roles["short"]
    expression = lookup(world, role.arn, duration_seconds=900)

    def tasks(offset, hosts, count):
        checks = "".join(
            f"""    - name: Task {index} reads the role's credentials
      ansible.builtin.assert:
        that: role.access_key is match('ASIA') and role.expiration is string
"""
            for index in range(1, count + 1)
        )
        return f"""
- name: At +{offset // MINUTE} min
  hosts: {hosts}
  gather_facts: false
  vars:
    role: "{{{{ {expression} }}}}"
  tasks:
{checks}"""

    # 900 s credentials serve while more than a third of their life, 300 s, is left: at +4 min they do, at +11 min
    # (240 s left) they are renewed through the session. Ten hosts with five tasks each first, ten at a time; then
    # four hosts with two tasks each, eight evaluations in four workers, show the rest as well as fifty would.
    plays = ((0, "targets", 5), (4 * MINUTE, "targets[0:3]", 2), (11 * MINUTE, "targets[0:3]", 2))
    moved = len(clock.moves)
    result = ansible.run(
        phased(clock, [(offset, tasks(offset, hosts, count)) for offset, hosts, count in plays]),
        world=world,
        hosts=10,
        forks=10,
        extra_vars={"mfa_code": world.totp()},
    )
    assert_clean_success(result)
    assert failed_hosts(result) == {}
    phases = [summary(calls) for calls in by_phase(result, clock.moves[moved:])]
    # 50 evaluations in ten workers in the first play: one AssumeRole, not one per evaluation; then one renewal,
    # with no code.
    assert phases == [BOUGHT, [], RENEWED], phases
    assert [call.duration for call in result.calls if call.action == "AssumeRole"] == [900, 900]

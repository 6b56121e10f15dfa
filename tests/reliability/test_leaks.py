"""No secret in the output at -vvvv: not the secret keys, not the session tokens, not the MFA code.

The playbooks are shaped like the shipped ones (session then buckets; a role with MFA then buckets;
the lookups in vars), each saving what it registered to $MFA_AWS_TEST_RESULTS so the test knows the
secrets to look for; the cache files the runs wrote give the rest.
"""

import re
import shlex
import sys

from tests.harness.paths import REPO_ROOT
from tests.playbooks.plays import mfa_role
from tests.reliability.support import assert_clean_success, cli_cache

SAVE = """
    - name: Save {name}
      mfa_aws_test_save:
        value: "{{{{ {name} | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{name}.json"
"""


def playbook(*tasks, saves=(), extra_vars=""):
    return f"""
- name: Seed-style play
  hosts: localhost
  gather_facts: false
  vars:{extra_vars or " {}"}
  tasks:
{"".join(tasks)}{"".join(SAVE.format(name=name) for name in saves)}"""


SESSION_THEN_BUCKETS = """
    - name: Trade the MFA code for a session
      mfa.aws.sts_mfa_session:
        mfa_serial_number: "{{ mfa_serial }}"
        mfa_token: "{{ mfa_code }}"
      register: session

    - name: List the account's buckets with the session
      mfa.aws.s3_bucket_list:
        access_key: "{{ aws_mfa_session.access_key }}"
        secret_key: "{{ aws_mfa_session.secret_key }}"
        session_token: "{{ aws_mfa_session.session_token }}"
      register: listing

    - name: Show who called and what they own
      ansible.builtin.debug:
        msg:
          - "Caller: {{ session.identity.arn }}"
          - "Buckets ({{ listing.count }}): {{ listing.buckets | map(attribute='name') | join(', ') }}"
"""

ROLE_THEN_BUCKETS = """
    - name: Assume the role with the MFA code
      mfa.aws.sts_mfa_assume_role:
        role_arn: "{{ role_arn }}"
        mfa_serial_number: "{{ mfa_serial }}"
        mfa_token: "{{ mfa_code }}"
      register: role

    - name: List the role account's buckets
      mfa.aws.s3_bucket_list:
        access_key: "{{ aws_mfa_role.access_key }}"
        secret_key: "{{ aws_mfa_role.secret_key }}"
        session_token: "{{ aws_mfa_role.session_token }}"
      register: listing

    - name: Show who the caller became
      ansible.builtin.debug:
        msg: "Assumed role caller: {{ role.identity.arn }}, {{ listing.count }} buckets"
"""

LOOKUPS = """
    - name: List the role account's buckets with the lookup's credentials
      mfa.aws.s3_bucket_list:
        access_key: "{{ admin.access_key }}"
        secret_key: "{{ admin.secret_key }}"
        session_token: "{{ admin.session_token }}"
      register: listing

    - name: Use the session lookup too
      ansible.builtin.debug:
        msg: "Session until {{ session.expiration }}, role until {{ admin.expiration }}, {{ listing.count }} buckets"
"""

# Each lookup spends a code of its own: the role's first (the listing uses it), then the session's, the
# device's next one.
LOOKUP_VARS = """
    admin: "{{ lookup('mfa.aws.mfa_assume_role', role_arn, mfa_serial_number=mfa_serial, mfa_token=mfa_code) }}"
    session: "{{ lookup('mfa.aws.mfa_session', mfa_serial_number=mfa_serial, mfa_token=session_code) }}"
"""


def run_at_vvvv(ansible, world, text, **extra_vars):
    code = world.totp()
    result = ansible.run(
        text, world=world, verbosity=4, extra_vars={"mfa_code": code, "mfa_serial": world.mfa_serial, **extra_vars}
    )
    return assert_clean_success(result, cli_cache(ansible)), code


def secrets_in(value):
    """Every secret key and session token in a registered result (credentials, facts, environment)."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("secret_key", "session_token", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN") and item:
                found.add(item)
            found |= secrets_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= secrets_in(item)
    return found


def assert_no_leak(text, secrets, code, where="the output"):
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}...) is in {where}"
    # The code on its own: as a bare substring it could match inside a temporary directory's random digits.
    assert not re.search(rf"(?<![0-9]){code}(?![0-9])", text), f"the MFA code is in {where}"


def test_session_then_buckets(ansible, world):
    text = playbook(SESSION_THEN_BUCKETS, saves=("session", "listing", "aws_mfa_session"))
    result, code = run_at_vvvv(ansible, world, text)
    registered = secrets_in(result.json("session")) | secrets_in(result.json("aws_mfa_session"))
    assert len(registered) == 2  # the session's secret key and token, in credentials, facts and environment
    assert registered <= ansible.sandbox.cached_secrets()
    assert "censored" in result.stdout
    assert_no_leak(result.output, registered | ansible.sandbox.cached_secrets() | {world.secret_access_key}, code)


def test_role_with_mfa_then_buckets(ansible, world):
    role = mfa_role(world)
    text = playbook(ROLE_THEN_BUCKETS, saves=("role", "aws_mfa_role"))
    result, code = run_at_vvvv(ansible, world, text, role_arn=role.arn)
    registered = secrets_in(result.json("role")) | secrets_in(result.json("aws_mfa_role"))
    assert len(registered) == 2
    assert_no_leak(result.output, registered | ansible.sandbox.cached_secrets() | {world.secret_access_key}, code)


def test_the_lookups(ansible, world):
    role = mfa_role(world)
    text = playbook(LOOKUPS, saves=("admin", "session"), extra_vars=LOOKUP_VARS)
    session_code = world.totp(steps=1)
    result, code = run_at_vvvv(ansible, world, text, role_arn=role.arn, session_code=session_code)
    registered = secrets_in(result.json("admin")) | secrets_in(result.json("session"))
    assert len(registered) == 4
    secrets = registered | ansible.sandbox.cached_secrets() | {world.secret_access_key}
    assert_no_leak(result.output, secrets, code)
    assert_no_leak(result.output, secrets, session_code)


def test_environment_on_a_later_task(ansible, world):
    """Ansible itself echoes `environment:` at -vvv; the collection's own results stay clean."""
    use = """
    - name: Run a command with the session in its environment
      ansible.builtin.command: "true"
      environment: "{{ session.environment }}"
      changed_when: false
"""
    text = playbook(SESSION_THEN_BUCKETS, use, saves=("session",))
    result, code = run_at_vvvv(ansible, world, text)
    secrets = secrets_in(result.json("session")) | ansible.sandbox.cached_secrets() | {world.secret_access_key}
    lines = result.output.splitlines()
    # The connection's EXEC line carries the environment: Ansible's doing, documented in docs/guide.md.
    echo = [line for line in lines if re.match(r"<[^>]+> EXEC ", line) and "AWS_SECRET_ACCESS_KEY=" in line]
    assert echo, "Ansible no longer echoes environment: at -vvv; drop the caveat from docs/guide.md's Security"
    rest = "\n".join(line for line in lines if line not in echo)
    assert_no_leak(rest, secrets, code, where="the output outside the connection's EXEC line")
    assert all(line.count("AWS_SECRET_ACCESS_KEY=") == 1 for line in echo)


def test_long_term_keys_given_as_module_options(ansible, world):
    """The user's keys as options (from vars, not the environment): the secret key stays out of the output."""
    keys = 'access_key: "{{ user_access_key }}"\n        secret_key: "{{ user_secret_key }}"'
    text = playbook(
        SESSION_THEN_BUCKETS.replace(
            'mfa_serial_number: "{{ mfa_serial }}"', f'{keys}\n        mfa_serial_number: "{{{{ mfa_serial }}}}"', 1
        ),
        saves=("session",),
    )
    code = world.totp()
    result = ansible.run(
        text,
        world=world,
        verbosity=4,
        env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
        extra_vars={
            "mfa_code": code,
            "mfa_serial": world.mfa_serial,
            "user_access_key": world.access_key_id,
            "user_secret_key": world.secret_access_key,
        },
    )
    assert_clean_success(result, cli_cache(ansible))
    assert result.count("GetSessionToken", coded=True) == 1  # the options' keys were the ones used
    secrets = secrets_in(result.json("session")) | ansible.sandbox.cached_secrets() | {world.secret_access_key}
    assert_no_leak(result.output, secrets, code)


def test_a_code_read_from_the_command(ansible, world, tmp_path):
    """mfa_token_command's code, on the success path: neither the code nor the keys it bought are shown."""
    printed = tmp_path / "printed"
    script = tmp_path / "print-code.sh"
    # The copy is written before the code is printed: the collection stops the command once it has the code.
    script.write_text(
        "#!/bin/sh\n"
        f"{shlex.quote(sys.executable)} -m tests.emulator code --endpoint {world.emulator.endpoint_url} "
        f"--serial {shlex.quote(world.mfa_serial)} > {shlex.quote(str(printed))}\n"
        f"cat {shlex.quote(str(printed))}\n"
    )
    script.chmod(0o755)
    text = playbook(
        SESSION_THEN_BUCKETS.replace('mfa_token: "{{ mfa_code }}"', f"mfa_token_command: {script}", 1),
        saves=("session",),
    )
    result = ansible.run(
        text, world=world, verbosity=4, env={"PYTHONPATH": str(REPO_ROOT)}, extra_vars={"mfa_serial": world.mfa_serial}
    )
    assert_clean_success(result, cli_cache(ansible))
    code = printed.read_text().strip()
    assert re.fullmatch(r"[0-9]{6}", code) and result.count("GetSessionToken", coded=True) == 1
    secrets = secrets_in(result.json("session")) | ansible.sandbox.cached_secrets() | {world.secret_access_key}
    assert len(secrets) == 3
    assert_no_leak(result.output, secrets, code)

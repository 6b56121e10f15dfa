"""One task, one set of keys: a task that names a lookup's access_key, secret_key and session_token one by one
evaluates the lookup once for each, and must get the three from one STS call, even when the credentials cross
the edge of their reuse window between two of them.

The emulator knows which keys were issued together, so the test checks the three values against it.
"""

import json

from tests.emulator import RoleSpec
from tests.playbooks.plays import SAVE
from tests.reliability.support import assert_clean_success

#: 900 s credentials serve while more than 300 s are left; the task begins 60 s before that edge, and the clock
#: moves 120 s on between its first reference and its second.
EDGE, MARGIN, STEP = 300, 60, 120
KEYS = ("access_keys", "secret_keys", "session_tokens")


def test_a_task_at_the_edge_of_the_reuse_window_gets_keys_of_one_call(ansible, emulator, clock):
    world = emulator.build_world(roles=[RoleSpec("first"), RoleSpec("second")])
    first, second = world.roles["first"].arn, world.roles["second"].arn
    expression = (
        f"query('mfa.aws.mfa_assume_role', '{first}', '{second}', mfa_serial_number='{world.mfa_serial}', "
        "mfa_token=mfa_code, duration_seconds=900)"
    )
    move = clock.move_command(STEP)
    to_the_edge = clock.move_until_command("{{ bought[0].expiration }}", EDGE + MARGIN)
    saved = "".join(SAVE.format(var=name) for name in KEYS)
    playbook = f"""
- hosts: localhost
  gather_facts: false
  vars:
    roles: "{{{{ {expression} }}}}"
    move: {json.dumps(move)}
  tasks:
    - name: Buy the roles' credentials
      ansible.builtin.set_fact:
        bought: "{{{{ roles }}}}"
    - name: Move the clock to just before the edge of their reuse window
      ansible.builtin.command: {json.dumps(to_the_edge)}
      changed_when: false
    - name: One task names each key apart; between the access keys and the rest the credentials cross the edge
      ansible.builtin.set_fact:
        access_keys: "{{{{ [roles[0].access_key, roles[1].access_key] }}}}"
        crossed: "{{{{ lookup('ansible.builtin.pipe', move) }}}}"
        secret_keys: "{{{{ [roles[0].secret_key, roles[1].secret_key] }}}}"
        session_tokens: "{{{{ [roles[0].session_token, roles[1].session_token] }}}}"
{saved}    - name: The docs' way, each key an option of its own, with the first role
      mfa.aws.s3_bucket_list:
        access_key: "{{{{ roles[0].access_key }}}}"
        secret_key: "{{{{ roles[0].secret_key }}}}"
        session_token: "{{{{ roles[0].session_token }}}}"
"""
    result = ansible.run(playbook, world=world, extra_vars={"mfa_code": world.totp()})
    got = [result.json(f"localhost-{name}") for name in KEYS]
    for access_key, secret_key, session_token in zip(*got, strict=True):
        issued = emulator.issued(access_key)
        assert issued is not None, f"{access_key} was never issued"
        assert (issued.secret_access_key, issued.session_token) == (secret_key, session_token), (
            "one task got keys of two STS calls: the secret key or session token is not the one issued with "
            f"{access_key}"
        )
    assert_clean_success(result)
    assert result.count(coded=True) == 1

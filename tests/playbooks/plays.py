"""Small playbooks the tests build: one task with the options under test, its result saved as JSON."""

import json
from typing import Any

# Each host writes its registered result, so tests assert on values, not on output text.
SAVE = """
    - name: Save the result
      check_mode: false
      ansible.builtin.copy:
        content: "{{{{ {var} | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{{{{ inventory_hostname }}}}-{var}.json"
        mode: "0600"
"""


def play(*tasks: str, hosts: str = "localhost", save: tuple[str, ...] = ()) -> str:
    body = "".join(tasks) + "".join(SAVE.format(var=name) for name in save)
    return f"""
- hosts: {hosts}
  gather_facts: false
  tasks:
{body}"""


def task(module: str, options: dict[str, Any], register: str | None = None, extra: str = "") -> str:
    """A task whose options are given as JSON (valid YAML), so values keep their types."""
    lines = f"    - name: Run {module}\n      {module}: {json.dumps(options)}\n"
    if register:
        lines += f"      register: {register}\n"
    return lines + extra


def mfa(world: Any, code: str | None = None) -> dict[str, str]:
    return {"mfa_serial_number": world.mfa_serial, "mfa_token": code if code is not None else world.totp()}


def with_credentials(fact: str) -> dict[str, str]:
    """Options that sign with credentials registered earlier in the play (templated by Ansible)."""
    return {
        "access_key": f"{{{{ {fact}.access_key }}}}",
        "secret_key": f"{{{{ {fact}.secret_key }}}}",
        "session_token": f"{{{{ {fact}.session_token }}}}",
    }

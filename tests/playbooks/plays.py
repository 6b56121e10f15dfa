"""Small playbooks the tests build: one task with the options under test, its result saved as JSON."""

import json
from typing import Any

# Each host writes its registered result, so tests assert on values, not on output text (on the controller, with
# no module run: tests/harness/ansible_plugins/action/mfa_aws_test_save.py).
SAVE = """
    - name: Save the result
      check_mode: false
      mfa_aws_test_save:
        value: "{{{{ {var} | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{{{{ inventory_hostname }}}}-{var}.json"
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


def case_task(module: str, options: dict[str, Any], index: int) -> str:
    """Case `index` of several in one play: a task that may fail without ending the play, its result registered."""
    return task(module, options, register=f"case{index}", extra="      ignore_errors: true\n")


def save_cases(count: int) -> str:
    """One task that saves the results of case tasks 0 to count - 1 as a list, <host>-cases.json: a copy costs a
    module run, so one for all the cases."""
    cases = ", ".join(f"case{index}" for index in range(count))
    return SAVE.replace("{var} | to_json", f"[{cases}] | to_json").format(var="cases")


def mfa(world: Any, code: str | None = None) -> dict[str, str]:
    return {"mfa_serial_number": world.mfa_serial, "mfa_token": code if code is not None else world.totp()}


def mfa_role(world: Any) -> Any:
    """The world's role whose trust policy requires MFA: assuming it takes a code."""
    return next(role for role in world.roles.values() if role.requires_mfa)


def lookup_play(
    *terms: str,
    lookup: str = "mfa.aws.mfa_assume_role",
    tasks: int = 2,
    save: bool = True,
    hosts: str = "all",
    **options: Any,
) -> str:
    """A play whose var `creds` is the lookup, read by `tasks` tasks on every host.

    With `save`, each host writes [the access key its first task saw, the expiration] to
    <inventory_hostname>.json, so a test compares what the hosts got with PlaybookResult.json().
    """
    arguments = ", ".join([*(repr(term) for term in terms), *(f"{key}={value!r}" for key, value in options.items())])
    body = ""
    for index in range(tasks):
        body += (
            f"    - name: Use the credentials, task {index}\n"
            "      ansible.builtin.set_fact:\n"
            f'        key_{index}: "{{{{ creds.access_key }}}}"\n'
        )
    if save:
        body += (
            "    - name: Save what each host saw\n"
            "      mfa_aws_test_save:\n"
            '        value: "{{ [key_0, creds.expiration] | to_json }}"\n'
            "        dest: \"{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}/"
            '{{ inventory_hostname }}.json"\n'
        )
    return f"""
- hosts: {hosts}
  gather_facts: false
  vars:
    creds: "{{{{ lookup('{lookup}', {arguments}) }}}}"
  tasks:
{body}"""


def with_credentials(fact: str) -> dict[str, str]:
    """Options that sign with credentials registered earlier in the play (templated by Ansible)."""
    return {
        "access_key": f"{{{{ {fact}.access_key }}}}",
        "secret_key": f"{{{{ {fact}.secret_key }}}}",
        "session_token": f"{{{{ {fact}.session_token }}}}",
    }

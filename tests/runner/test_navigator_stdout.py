"""ansible-navigator's stdout mode: ansible-runner runs the playbook with the person's terminal as its input.

`ansible-navigator run site.yml --mode stdout --enable-prompts --execution-environment false` hands
ansible-runner's run_command the terminal (input_fd, output_fd and error_fd: sys.stdin, sys.stdout,
sys.stderr; ansible_navigator/runner/base.py), so ansible-playbook runs in the person's own terminal
session, with AWX_ISOLATED_DATA_DIR set as in every ansible-runner job. Here a person is there to answer,
unlike in an AWX job (tests/runner/test_awx_jobs.py), whose terminal ansible-runner made and no one reads.
The script below makes the call navigator makes; ansible-navigator itself is not a test requirement.
"""

import textwrap

from tests.harness.paths import PYTHON
from tests.harness.terminal import Terminal

RUN_COMMAND = textwrap.dedent(
    """
    import sys
    import ansible_runner

    out, err, rc = ansible_runner.run_command(
        executable_cmd="ansible-playbook",
        cmdline_args=sys.argv[2:],
        private_data_dir=sys.argv[1],
        input_fd=sys.stdin,
        output_fd=sys.stdout,
        error_fd=sys.stderr,
    )
    sys.exit(rc)
    """
)

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: An MFA session, the code asked for at the terminal
      mfa.aws.sts_mfa_session:
        mfa_serial_number: {serial}
"""


def test_a_person_at_navigators_stdout_mode_is_asked_once(ansible, world, tmp_path):
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAYBOOK.format(serial=world.mfa_serial))
    (tmp_path / "runner").mkdir()
    person = Terminal(world.totp)
    command = [str(PYTHON), "-c", RUN_COMMAND, str(tmp_path / "runner"), str(playbook)]
    rc, screen = person.run(command, env=ansible.environment(world=world), cwd=tmp_path, timeout=240)
    assert (rc, person.prompts) == (0, [world.mfa_serial]), screen
    assert [call.outcome for call in world.calls(coded=True)] == ["ok"]

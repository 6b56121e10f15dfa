"""The ansible.cfg every harness run uses: quiet, deterministic, and confined to the sandbox."""

from pathlib import Path

from tests.harness.paths import PYTHON

#: The tests' own action plugins (mfa_aws_test_save), found by their short names.
TEST_ACTION_PLUGINS = Path(__file__).resolve().parent / "ansible_plugins" / "action"


def render_ansible_cfg(*, local_tmp: Path, remote_tmp: Path, python: Path = PYTHON) -> str:
    return f"""\
[defaults]
# Run modules with the venv's interpreter: it has boto3, and discovery would warn and vary.
interpreter_python = {python}
# Only ANSIBLE_COLLECTIONS_PATH counts; never a collection that happens to be on sys.path.
collections_scan_sys_path = False
local_tmp = {local_tmp}
action_plugins = {TEST_ACTION_PLUGINS}
remote_tmp = {remote_tmp}
retry_files_enabled = False
host_key_checking = False
# Facts cost a second per host and no test needs them unless it asks (gather_facts: true).
gathering = explicit
nocows = True
nocolor = True
localhost_warning = False
# Deprecations from our own plugins should be seen in test output.
deprecation_warnings = True
system_warnings = True

[inventory]
inventory_unparsed_warning = False
"""

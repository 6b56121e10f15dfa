"""`make demo` runs the seed scenarios end to end; this keeps it from rotting, and keeps what it prints true."""

import re
import subprocess
import sys
from pathlib import Path

from tests.demo import EMULATOR_DOC, NEXT
from tests.doc_snippets import commands
from tests.harness.paths import REPO_ROOT

# A 40-character AWS secret access key, standing alone.
SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")


def test_the_demo_runs_both_seed_scenarios_and_the_fan_out_then_says_what_to_run_next():
    demo = subprocess.run(
        [sys.executable, "-m", "tests.demo"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output[-4000:]
    assert "Caller: arn:aws:iam::111111111111:user/alice (account 111111111111)" in output
    assert "Buckets (3): alice-backups, alice-photos, alice-reports" in output
    assert "Assumed role caller: arn:aws:sts::222222222222:assumed-role/admin/" in output
    assert "333333333333: auditor-333333333333-000, auditor-333333333333-001" in output
    assert "Traceback" not in output and "[WARNING]" not in output

    # Every command it ran is printed as the shell line that ran it, the environment included.
    lines = demo.stdout.splitlines()
    typed = [line[2:] for line in lines if line.startswith("$ ")]
    assert any(line.startswith("export state=") for line in typed)
    assert any(line.startswith('eval "$(') and " -m tests.emulator env --state-file $state" in line for line in typed)
    assert any(line.startswith("export HOME=") and "ANSIBLE_COLLECTIONS_PATH=" in line for line in typed)
    playbooks = [line for line in typed if "/ansible-playbook playbooks/" in line]
    assert len(playbooks) == 3, typed
    assert "-e mfa_code=$(" in playbooks[0] and "--next)" in playbooks[1] and "mfa_code" not in playbooks[2]

    # Neither the demo user's secret key nor a code is shown.
    assert not SECRET_KEY.search(output), SECRET_KEY.search(output)
    assert not any(re.fullmatch(r"\s*[0-9]{6}\s*", line) for line in lines)

    # The emulator is gone, with its state file, when the demo ends.
    (serve,) = [line for line in typed if " -m tests.emulator serve " in line]
    state_file = Path(serve.split("--state-file ", 1)[1].split()[0])
    assert not state_file.exists() and not state_file.parent.exists()

    # It ends with what to run next, as README.md and docs/emulator.md say it (their tests run them).
    ending = demo.stdout.split("=== Done.", 1)[1]
    for _heading, page, blocks in NEXT:
        for name in blocks:
            for command in commands(page, name):
                assert f"  $ {command.text}".replace("\n", "\n  ") in ending, (page.name, name, command.text)
    assert any(page == EMULATOR_DOC for _heading, page, _blocks in NEXT)

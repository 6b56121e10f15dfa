"""`make demo` runs the seed scenarios end to end; this keeps it from rotting."""

import subprocess
import sys

from tests.harness.paths import REPO_ROOT


def test_the_demo_runs_both_seed_scenarios_and_the_fan_out():
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
    assert "Traceback" not in output

"""The command line: `serve` runs the demo world in its own process and writes a state file; `code` reads
the demo device's current code from it, and STS accepts that code."""

import json
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_tests._aws import Keys, Served, client, emulator_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any], subprocess.Popen[str]]]:
    state_file = tmp_path / "emulator.json"
    process = subprocess.Popen(
        emulator_cli("serve", "--state-file", str(state_file)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists():
            if process.poll() is not None:
                pytest.fail(
                    f"serve exited with {process.returncode}: {process.stdout.read() if process.stdout else ''}"
                )
            if time.monotonic() > deadline:
                pytest.fail("serve wrote no state file within 60 seconds")
            time.sleep(0.1)
        yield state_file, json.loads(state_file.read_text(encoding="utf-8")), process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_writes_the_demo_world_to_a_private_state_file(served: tuple[Path, dict[str, Any], Any]) -> None:
    state_file, state = served[0], served[1]
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600
    assert state["endpoint_url"].startswith("http://127.0.0.1:")
    world = state["world"]
    assert world["account_id"] == "111111111111"
    assert world["user_arn"] == "arn:aws:iam::111111111111:user/alice"
    assert world["mfa_serial"] == "arn:aws:iam::111111111111:mfa/alice"
    assert sorted(world["buckets"]) == ["alice-backups", "alice-photos", "alice-reports"]
    roles = world["roles"]
    assert roles["admin"]["arn"] == "arn:aws:iam::222222222222:role/admin"
    assert roles["auditor"]["arn"] == "arn:aws:iam::333333333333:role/auditor"
    assert roles["admin"]["requires_mfa"] and roles["auditor"]["requires_mfa"]


def test_code_prints_a_code_that_get_session_token_accepts(served: tuple[Path, dict[str, Any], Any]) -> None:
    state_file, state = served[0], served[1]
    printed = subprocess.run(
        emulator_cli("code", "--state-file", str(state_file)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert len(printed) == 6 and printed.isdigit()
    world = state["world"]
    endpoint = Served(state)
    user = Keys(world["access_key_id"], world["secret_access_key"])
    answer = client(endpoint, "sts", user).get_session_token(SerialNumber=world["mfa_serial"], TokenCode=printed)
    session = Keys.from_credentials(answer["Credentials"])
    # The session lists alice's buckets and assumes the admin role in the second account.
    listed = client(endpoint, "s3", session).list_buckets()
    assert [bucket["Name"] for bucket in listed["Buckets"]] == ["alice-backups", "alice-photos", "alice-reports"]
    assumed = client(endpoint, "sts", session).assume_role(
        RoleArn=world["roles"]["admin"]["arn"], RoleSessionName="demo"
    )
    assert assumed["AssumedRoleUser"]["Arn"] == "arn:aws:sts::222222222222:assumed-role/admin/demo"


def test_serve_stops_on_sigterm_and_removes_its_state_file(served: tuple[Path, dict[str, Any], Any]) -> None:
    state_file, process = served[0], served[2]
    process.terminate()
    assert process.wait(timeout=15) == 0
    assert not state_file.exists()
    output = process.stdout.read()
    assert "AWS emulator listening on http://127.0.0.1:" in output
    assert "MFA device arn:aws:iam::111111111111:mfa/alice" in output

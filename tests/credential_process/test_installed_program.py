"""The program from the built tarball, installed as users install it: it finds its collection from its own path."""

import json
import os
import stat
import subprocess

from tests.credential_process.tools import boto3_lists_buckets
from tests.harness.tarball import build_and_install


def test_the_installed_program_serves_boto3(ansible, setup, world, tmp_path):
    program = build_and_install(ansible, tmp_path) / "bin" / "mfa-aws-credentials"
    assert os.stat(program).st_mode & stat.S_IXUSR

    script = tmp_path / "print-code"
    script.write_text(f"#!/bin/sh\necho {world.totp()}\n")
    script.chmod(0o700)
    line = f"credential_process = {program} --profile alice-keys --token-command {script}"
    config = "\n".join(
        line if entry.startswith("credential_process") and entry.endswith("--profile alice-keys") else entry
        for entry in setup.config.splitlines()
    )
    assert line in config
    with open(setup.env["AWS_CONFIG_FILE"], "w", encoding="utf-8") as file:
        file.write(config)
    # Nothing points at a collection: no ANSIBLE_COLLECTIONS_PATH, and the checkout's tree is not on the path.
    env = {name: value for name, value in setup.env.items() if name != "ANSIBLE_COLLECTIONS_PATH"}
    run = subprocess.run(
        boto3_lists_buckets("alice"),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == sorted(world.buckets)
    assert len(world.calls(coded=True)) == 1

"""`make demo`: the seed scenarios end to end, through the collection, against the local AWS emulator.

1. GetSessionToken with an MFA code, then list the account's buckets (playbooks/session_list_buckets.yml).
2. AssumeRole with the device's next code into another account, then list its buckets
   (playbooks/assume_role_list_buckets.yml).
3. Two accounts' roles opened from the cached MFA session of step 1, with no code typed
   (playbooks/multi_account.yml).

Everything runs in a throwaway HOME, so the real ~/.aws and ~/.ansible are never read or written.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.harness.collection import make_collection_tree, remove_collection_tree
from tests.harness.paths import BIN_DIR, REPO_ROOT

PLAYBOOKS = REPO_ROOT / "playbooks"


def _banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def _wait_for_state(path: Path, emulator: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if emulator.poll() is not None:
            raise SystemExit("the emulator stopped before it was ready (see its output above)")
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        time.sleep(0.1)
    raise SystemExit("the emulator did not start within 60 s")


def _code(state_file: Path, steps: int = 0) -> str:
    command = [sys.executable, "-m", "tests.emulator", "code", "--state-file", str(state_file), "--steps", str(steps)]
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO_ROOT).stdout.strip()


def _playbook(name: str, env: dict[str, str], **extra_vars: object) -> None:
    command = [str(BIN_DIR / "ansible-playbook"), str(PLAYBOOKS / name), "-e", json.dumps(extra_vars)]
    shown = {key: ("******" if key == "mfa_code" and value else value) for key, value in extra_vars.items()}
    print(f"$ ansible-playbook playbooks/{name} -e '{json.dumps(shown)}'", flush=True)
    subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL, cwd=REPO_ROOT)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="mfa-aws-demo-"))
    state_file = workdir / "emulator.json"
    collections = make_collection_tree(workdir / "collections")
    emulator = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "serve", "--world", "demo", "--state-file", str(state_file)],
        cwd=REPO_ROOT,
    )
    try:
        state = _wait_for_state(state_file, emulator)
        world = state["world"]
        home = workdir / "home"
        home.mkdir()
        env = {
            "PATH": f"{BIN_DIR}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "ANSIBLE_COLLECTIONS_PATH": str(collections.root),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "AWS_ACCESS_KEY_ID": world["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": world["secret_access_key"],
            "AWS_DEFAULT_REGION": world["region"],
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "MFA_AWS_SERIAL_NUMBER": world["mfa_serial"],
        }
        endpoint = state["endpoint_url"]
        roles = world["roles"]

        _banner(f"Seed 1: GetSessionToken with MFA as {world['user_arn']}, then list every bucket")
        _playbook("session_list_buckets.yml", env, mfa_code=_code(state_file), aws_endpoint_url=endpoint)

        _banner(f"Seed 2: AssumeRole with MFA into {roles['admin']['arn']}, then list its buckets")
        print("(the first code is spent: AWS takes a code once, so this uses the device's next one)", flush=True)
        _playbook(
            "assume_role_list_buckets.yml",
            env,
            mfa_code=_code(state_file, steps=1),
            role_arn=roles["admin"]["arn"],
            aws_endpoint_url=endpoint,
        )

        _banner("One code, many accounts: both roles opened from the MFA session of seed 1, no code typed")
        _playbook(
            "multi_account.yml",
            env,
            mfa_code="",
            role_arns=[role["arn"] for role in roles.values()],
            aws_endpoint_url=endpoint,
        )
        _banner("Done. The cached credentials lived in a temporary HOME, now removed.")
        return 0
    except subprocess.CalledProcessError as error:
        print(f"\nthe demo failed: {error}", file=sys.stderr)
        return 1
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        remove_collection_tree(collections)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

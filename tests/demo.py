"""`make demo`: the seed scenarios end to end, through the collection, against the local AWS emulator.

1. GetSessionToken with an MFA code, then list the account's buckets (playbooks/session_list_buckets.yml).
2. AssumeRole with the device's next code into another account, then list its buckets
   (playbooks/assume_role_list_buckets.yml).
3. Two accounts' roles opened from the cached MFA session of step 1, with no code typed
   (playbooks/multi_account.yml).

Each command is printed as a shell line, then that very line is run by the shell, in the environment the
printed `export` and `eval` lines make: what a reader copies is what ran. The playbooks run with a throwaway
HOME, so the real ~/.aws and the cache in ~/.ansible are never read or written. The collection's lock and its
record of codes sent are the one exception, as for any run of the collection by this user: they live in
~/.ansible/mfa-aws/run under the home the password database gives (docs/guide.md), whatever HOME says, and
keep the emulator device's codes there. The demo ends by printing what to run next, read from README.md and
docs/emulator.md, whose tests run those commands.
"""

import json
import locale
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.doc_snippets import commands
from tests.harness.collection import make_collection_tree, remove_collection_tree
from tests.harness.paths import BIN_DIR, REPO_ROOT

README = REPO_ROOT / "README.md"
EMULATOR_DOC = REPO_ROOT / "docs" / "emulator.md"
#: What the demo prints at the end, in this order: (heading, page, marked blocks).
NEXT = (
    (
        'Next, your own AWS account (README.md, "Use it against AWS"): install the collection from this checkout, '
        "and boto3 beside the ansible-core you run; then a playbook with your MFA device and the code it shows. "
        "Your IAM user's keys come from where botocore finds them (AWS_PROFILE, ~/.aws, AWS_ACCESS_KEY_ID).",
        README,
        ("install-from-checkout", "install-python-needs", "run-with-your-code"),
    ),
    (
        "Next, the local AWS, to try your own playbooks against (docs/emulator.md). In one shell, from this directory:",
        EMULATOR_DOC,
        ("emulator-serve",),
    ),
    ("and in another, from this directory too:", EMULATOR_DOC, ("emulator-playbook",)),
)


def _banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def _shown(path: Path) -> str:
    """`path` as a reader at the repository root types it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _wait_for_state(path: Path, emulator: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if emulator.poll() is not None:
            raise SystemExit("the emulator stopped before it was ready (see its output above)")
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        time.sleep(0.1)
    raise SystemExit("the emulator did not start within 60 s")


class Shell:
    """Runs printed lines with /bin/sh, keeping what `export`, `eval` and `unset` lines do for the next ones."""

    def __init__(self) -> None:
        self.environment = dict(os.environ)

    def set(self, *lines: str) -> None:
        """Runs lines that set variables (and print nothing), then keeps the environment they leave."""
        for line in lines:
            print(f"$ {line}", flush=True)
        script = "\n".join([*lines, "env -0"])
        done = subprocess.run(
            ["/bin/sh", "-c", script], env=self.environment, cwd=REPO_ROOT, capture_output=True, check=True
        )
        pairs = (entry.split(b"=", 1) for entry in done.stdout.split(b"\0") if b"=" in entry)
        self.environment = {name.decode(): value.decode() for name, value in pairs}

    def run(self, line: str) -> None:
        print(f"$ {line}", flush=True)
        subprocess.run(
            ["/bin/sh", "-c", line], env=self.environment, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, check=True
        )


def print_next() -> None:
    for heading, page, blocks in NEXT:
        print(f"\n{heading}\n", flush=True)
        for name in blocks:
            for command in commands(page, name):
                print(f"  $ {command.text}".replace("\n", "\n  "), flush=True)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="mfa-aws-demo-"))
    state_file = workdir / "emulator.json"
    home = workdir / "home"
    home.mkdir()
    collections = make_collection_tree(workdir / "collections")
    python, tools = _shown(BIN_DIR / "python"), _shown(BIN_DIR)
    shell = Shell()

    _banner("The local AWS: moto's server with AWS's MFA rules (docs/emulator.md), in the background")
    serve = f"{python} -m tests.emulator serve --state-file {state_file}"
    print(f"$ {serve} &", flush=True)
    emulator = subprocess.Popen(shlex.split(serve), cwd=REPO_ROOT, stdin=subprocess.DEVNULL)
    try:
        world = _wait_for_state(state_file, emulator)["world"]
        roles = world["roles"]

        _banner(
            "The playbooks' environment: the demo user's keys and the emulator's address (env), a throwaway HOME, "
            "this checkout as mfa.aws (a link in ANSIBLE_COLLECTIONS_PATH)"
        )
        lines = [
            f"export state={state_file}",
            f'eval "$({python} -m tests.emulator env --state-file $state)"',
            f"export HOME={home} ANSIBLE_COLLECTIONS_PATH={collections.root}",
            "export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false",
        ]
        if locale.getpreferredencoding(False).lower().replace("-", "") != "utf8":
            # Ansible refuses to run without a UTF-8 locale.
            lines.append("export LC_ALL=C.UTF-8")
        shell.set(*lines)

        _banner(f"Seed 1: GetSessionToken with MFA as {world['user_arn']}, then list every bucket")
        shell.run(
            f"{tools}/ansible-playbook playbooks/session_list_buckets.yml"
            f" -e mfa_code=$({python} -m tests.emulator code --state-file $state)"
        )

        _banner(f"Seed 2: AssumeRole with MFA into {roles['admin']['arn']}, then list its buckets")
        print(
            "(AWS takes a code once, and seed 1 spent the current one: `code --next` gives the device's next code,"
            " moving the emulator's clock instead of waiting up to 30 s)",
            flush=True,
        )
        shell.run(
            f"{tools}/ansible-playbook playbooks/assume_role_list_buckets.yml -e role_arn={roles['admin']['arn']}"
            f" -e mfa_code=$({python} -m tests.emulator code --state-file $state --next)"
        )

        _banner("One code, many accounts: both roles opened from the MFA session of seed 1, no code asked for")
        role_arns = json.dumps({"role_arns": [role["arn"] for role in roles.values()]})
        shell.run(f"{tools}/ansible-playbook playbooks/multi_account.yml -e {shlex.quote(role_arns)}")
    except subprocess.CalledProcessError as error:
        print(f"\nthe demo failed: `{error.cmd[-1]}` exited with {error.returncode}", file=sys.stderr)
        return 1
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        remove_collection_tree(collections)
        shutil.rmtree(workdir, ignore_errors=True)
    _banner(f"Done. The emulator has stopped, and {workdir}, with the cached credentials, is removed.")
    print_next()
    return 0


if __name__ == "__main__":
    sys.exit(main())

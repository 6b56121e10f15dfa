"""The guide's credential_process setup, made real: its profile lines, bound to a world of the emulator.

The profiles, the inventory and the playbook come from docs/guide.md's fenced blocks, so the guide's
examples are the ones these tests run; only the placeholders (account ids, keys, the collection's path)
are replaced with the world's.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.paths import REPO_ROOT, ansible_command

GUIDE = REPO_ROOT / "docs" / "guide.md"
PROGRAM = "bin/mfa-aws-credentials"


@dataclass(frozen=True)
class Setup:
    """A world's user and admin role behind the guide's profiles, and how to run tools against them."""

    env: dict[str, str]
    program: Path
    config: str
    credentials: str
    inventory: str
    playbook: str

    def tool(self, name: str, *args: str) -> list[str]:
        return [*ansible_command(name), *args]


def guide_blocks() -> dict[str, str]:
    """The guide's fenced blocks that open with a `# name` comment line, by that name."""
    blocks = {}
    for body in re.findall(r"^```[a-z]+\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL):
        first, rest = body.split("\n", 1)
        if first.startswith("# "):
            blocks[first[2:].strip()] = rest
    return blocks


def bound(text: str, replacements: dict[str, str]) -> str:
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


@pytest.fixture
def setup(ansible, world, collection) -> Setup:
    blocks = guide_blocks()
    replacements = {
        "/home/alice/.ansible/collections": str(collection.root),
        "arn:aws:iam::123456789012:mfa/alice": world.mfa_serial,
        "arn:aws:iam::210987654321:role/Admin": world.roles["admin"].arn,
        "AKIAIOSFODNN7EXAMPLE": world.access_key_id,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": world.secret_access_key,
    }
    every = "".join(blocks[name] for name in ("~/.aws/config", "~/.aws/credentials"))
    missing = [placeholder for placeholder in replacements if placeholder not in every]
    assert not missing, f"the guide's profiles no longer hold {missing}: update this fixture with them"
    config, credentials = (bound(blocks[name], replacements) for name in ("~/.aws/config", "~/.aws/credentials"))
    ansible.sandbox.aws_config_file.write_text(config, encoding="utf-8")
    ansible.sandbox.aws_credentials_file.write_text(credentials, encoding="utf-8")
    # The keys live in the credentials file only, as the guide has them.
    env = ansible.environment(world=world, env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None})
    return Setup(
        env=env,
        program=collection.collection_dir / PROGRAM,
        config=config,
        credentials=credentials,
        inventory=blocks["aws_ec2.yml"],
        playbook=blocks["site.yml"],
    )

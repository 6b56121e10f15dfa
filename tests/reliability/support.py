"""What the reliability tests share: the end states they accept, and ways to disturb a run from inside it."""

import json
import os
import re
import socket
from pathlib import Path
from typing import Any

from tests.harness import PlaybookResult
from tests.harness.sandbox import account_home_env

SESSION = "mfa.aws.sts_mfa_session"
ROLE = "mfa.aws.sts_mfa_assume_role"
LIST = "mfa.aws.s3_bucket_list"


def cli_cache(ansible: Any) -> Path:
    """The default cache_dir as the runs see it: the AWS CLI's cache in the sandbox's home."""
    return ansible.sandbox.cli_cache


#: The STS call that carries a module's MFA code: for a role, the code buys the MFA session it is assumed through.
CODED_CALL = {SESSION: "GetSessionToken", ROLE: "GetSessionToken"}


def exchange_env(tmp_path: Path, world: Any) -> dict[str, str]:
    """The environment of a process that runs the exchange itself: the world's keys, its own home, no shared files."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        **account_home_env(tmp_path / "home"),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": world.emulator.endpoint_url,
        **world.env(),
    }


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def emulator_control(name: str, **arguments: Any) -> str:
    """A task that drives the emulator mid-run (clock/advance, throttle, server-errors, skew)."""
    return f"""
    - name: Emulator control {name}
      ansible.builtin.uri:
        url: "{{{{ lookup('ansible.builtin.env', 'AWS_ENDPOINT_URL') }}}}/_emulator/{name}"
        method: POST
        body_format: json
        body: {json.dumps(arguments)}
"""


# -- end states ------------------------------------------------------------------------------------------------


def assert_cache_sound(*directories: Path) -> None:
    """No partial file is left behind, and every JSON file parses (writes are atomic or not at all)."""
    for directory in directories:
        if not directory.is_dir():
            continue
        for name in os.listdir(directory):  # hidden files too: temporaries are .mfa-aws-*.tmp
            assert not name.endswith(".tmp"), f"a partial write was left in {directory}: {name}"
            if name.endswith(".json"):
                text = (directory / name).read_text(encoding="utf-8")
                try:
                    json.loads(text)
                except ValueError as error:
                    raise AssertionError(f"{directory / name} does not parse ({error}): {text[:80]!r}") from None


def fatal_lines(result: PlaybookResult, host: str = "localhost") -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"fatal: [{host}]")]


def assert_clean_success(result: PlaybookResult, *cache_dirs: Path) -> PlaybookResult:
    result.assert_ok()
    assert "Traceback" not in result.output, result.describe("a traceback in a successful run")
    assert not fatal_lines(result), result.describe("a fatal line in a successful run")
    assert_cache_sound(*cache_dirs)
    return result


def assert_one_clean_line(result: PlaybookResult, match: str, *cache_dirs: Path, host: str = "localhost") -> str:
    """The run failed on `host` with exactly one fatal line whose message is one line matching `match`."""
    result.assert_failed(match=match)
    assert "Traceback" not in result.output, result.describe("a traceback in the output")
    fatal = fatal_lines(result, host)
    assert len(fatal) == 1, result.describe(f"{len(fatal)} fatal lines for {host}, not one")
    message = json.loads(fatal[0].split(" => ", 1)[1])["msg"]
    assert "\n" not in message and len(message.splitlines()) == 1, f"not one line: {message!r}"
    assert re.search(match, message), f"{match!r} is not in the fatal line's message: {message!r}"
    assert_cache_sound(*cache_dirs)
    return message

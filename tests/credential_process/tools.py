"""The AWS tools the tests run on a profile: a boto3 script, the aws CLI, the program itself."""

from pathlib import Path

from tests.harness.paths import BIN_DIR, PYTHON

# Lists the buckets: allowed only with MFA credentials (the world's user has the require-mfa policy).
BOTO3_SCRIPT = """
import json, sys
import boto3
session = boto3.Session(profile_name=sys.argv[1])
print(json.dumps(sorted(bucket["Name"] for bucket in session.client("s3").list_buckets()["Buckets"])))
"""


def boto3_lists_buckets(profile: str) -> list[str]:
    return [str(PYTHON), "-c", BOTO3_SCRIPT, profile]


def aws_cli_lists_buckets(profile: str) -> list[str]:
    # Through the venv's Python: the script's shebang may be too long for the kernel in a deep checkout.
    return [
        str(PYTHON),
        str(BIN_DIR / "aws"),
        "s3api",
        "list-buckets",
        "--profile",
        profile,
        "--query",
        "sort(Buckets[].Name)",
        "--output",
        "json",
    ]


def program(path: Path, *args: str) -> list[str]:
    """The program as botocore runs it: executed directly, so its shebang and its own path are what find Python and the collection."""
    return [str(path), *args]

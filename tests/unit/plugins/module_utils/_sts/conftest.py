"""Fixtures the STS core's tests share: a process with no AWS configuration of its own, and STS answered by
botocore's Stubber (see support.py)."""

from __future__ import annotations

import pytest

from ansible_collections.mfa.aws.plugins.module_utils import _aws_config, _botocore_clients
from ansible_collections.mfa.aws.plugins.module_utils._sts import fetcher as template
from tests.unit.plugins.module_utils._sts.support import StubbedSts

#: The environment variables botocore and the collection read for keys, profiles, regions and endpoints.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """A fresh worker process of a user with no AWS files or variables, whose runtime directory is tmp_path/run."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    monkeypatch.setattr(template, "_ANSWERED", {})
    monkeypatch.setattr(_aws_config, "_PARSED", {})
    monkeypatch.setattr(_botocore_clients, "_SESSIONS", {})
    monkeypatch.setattr(_botocore_clients, "_CLIENTS", {})
    return tmp_path


@pytest.fixture
def sts(isolated, monkeypatch):
    """STS for this test alone: answer each signer's calls with sts.answer / sts.refuse, read them in sts.calls."""
    stubbed = StubbedSts()
    monkeypatch.setattr(_botocore_clients, "client_for", stubbed.client_for)
    yield stubbed
    stubbed.deactivate()

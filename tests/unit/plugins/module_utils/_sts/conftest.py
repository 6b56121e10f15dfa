"""Fixtures the STS core's tests share: a process with no AWS configuration of its own, and STS answered by
botocore's Stubber (see support.py)."""

from __future__ import annotations

import pytest

from tests.unit.plugins.module_utils._sts.support import StubbedSts, isolate


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """A fresh worker process of a user with no AWS files or variables, whose runtime directory is tmp_path/run."""
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def sts(isolated, monkeypatch):
    """STS for this test alone: answer each signer's calls with sts.answer / sts.refuse, read them in sts.calls;
    every answer given must have been asked for."""
    stubbed = StubbedSts.installed(monkeypatch)
    yield stubbed
    stubbed.deactivate()
    stubbed.answered_all()

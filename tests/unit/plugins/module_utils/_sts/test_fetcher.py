"""The template every request goes through, and when cached credentials are reused: the windows pinned to the
second, the answer a process gives again, the lock a miss takes and the entry looked at again under it."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._sts import fetcher as template
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import (
    PROCESS_MARGIN,
    REUSE_WINDOW,
    SAME_CODE_WINDOW,
    SIGNING_MARGIN,
    Fetcher,
    Runtime,
    fetch,
    reuse_window,
)
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import CacheSettings

SIGNER = Credentials("AKIAEXAMPLE", "secret")


def entry(seconds_left: float, key_id: str = "ASIAOLD") -> dict[str, Any]:
    expiration = datetime.now(timezone.utc) + timedelta(seconds=seconds_left)
    return {
        "Credentials": {
            "AccessKeyId": key_id,
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": expiration.isoformat(),
        }
    }


class Request:
    def __init__(self, lifetime: int, window: int | None = None) -> None:
        self.lifetime = lifetime
        self.cache = CacheSettings(True, "unused", window)


class Counting(Fetcher):
    """An operation whose call returns fresh credentials and counts itself; every entry may serve it."""

    operation = "AssumeRole"

    def __init__(self, request: Request, cache: CredentialCache | None, key: str = "the-key") -> None:
        super().__init__(request, SIGNER, cache)
        self.cache_key = key
        self.calls = 0

    def may_serve(self, entry: dict[str, Any]) -> bool:
        return True

    def lock_name(self) -> str:
        return "lock-" + self.cache_key

    def obtain(self, runtime: Runtime, why: str | None = None) -> tuple[dict[str, Any], bool, list[str]]:
        self.calls += 1
        response = entry(self.request.lifetime, key_id=f"ASIANEW{self.calls}")
        return response, False, self.keep(response)


class Locks:
    def __init__(self) -> None:
        self.taken: list[str] = []

    def __call__(self, name: str) -> Any:
        self.taken.append(name)
        return contextlib.nullcontext()


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test is a new worker process: nothing answered yet."""
    monkeypatch.setattr(template, "_ANSWERED", {})


@pytest.fixture
def cache(tmp_path):
    return CredentialCache.open(str(tmp_path / "cache"))[0]


def runtime(locks: Locks | None = None) -> Runtime:
    return Runtime(locks or Locks(), None, None)


@pytest.mark.parametrize(
    ("lifetime", "window"),
    [(900, 300), (1800, 600), (2700, 900), (3600, 900), (43200, 900), (129600, 900)],
)
def test_the_reuse_window_is_a_third_of_the_lifetime_at_most_fifteen_minutes(lifetime, window):
    assert reuse_window(lifetime) == window
    assert REUSE_WINDOW == 15 * 60


@pytest.mark.parametrize(("lifetime", "window"), [(900, 300), (3600, 900)])
def test_an_entry_serves_with_more_than_its_window_left_and_not_at_it(cache, lifetime, window):
    fetcher = Counting(Request(lifetime), cache)
    cache.put("the-key", entry(window + 5))
    assert fetch(fetcher, runtime()).cached is True and fetcher.calls == 0
    template._ANSWERED.clear()
    cache.put("the-key", entry(window - 5))
    assert fetch(fetcher, runtime()).cached is False and fetcher.calls == 1


def test_a_fixed_window_wins_over_the_rule(cache):
    # bin/mfa-aws-credentials keeps botocore's 15 minutes, whatever the lifetime.
    fetcher = Counting(Request(900, window=REUSE_WINDOW), cache)
    cache.put("the-key", entry(REUSE_WINDOW - 5))
    assert fetch(fetcher, runtime()).cached is False


def test_a_hit_takes_no_lock(cache):
    locks = Locks()
    cache.put("the-key", entry(3000))
    fetch(Counting(Request(3600), cache), runtime(locks))
    assert locks.taken == []


def test_a_miss_takes_the_fetchers_lock_and_looks_again_under_it(cache):
    fetcher = Counting(Request(3600), cache)

    @contextlib.contextmanager
    def another_process_fills_it_while_waiting(name):
        cache.put("the-key", entry(3000, key_id="ASIAOTHER"))
        yield

    result = fetch(fetcher, Runtime(another_process_fills_it_while_waiting, None, None))
    assert fetcher.calls == 0 and result.credentials.access_key == "ASIAOTHER" and result.cached


def test_the_windows_are_the_ones_the_guide_promises():
    # docs/guide.md, "When an entry serves": botocore's 15 minutes; what the code in hand bought serves down to a
    # minute; one task's references get one set while a minute is left; a session signs a call with a minute left.
    # The tests around these use the names, so they would follow a changed value: here the values themselves.
    assert (REUSE_WINDOW, SAME_CODE_WINDOW, PROCESS_MARGIN, SIGNING_MARGIN) == (900, 60, 60, 60)


def test_a_fetcher_that_made_no_coded_call_sent_nothing(cache):
    # What spend_once asks when a Ctrl-C (or anything else) ends a call before its request left: the code is then
    # forgotten as unsent, and the interruption goes on as it was.
    fetcher = Counting(Request(900), cache)
    assert fetcher.was_sent() is False


def test_a_coded_call_interrupted_says_whether_its_request_left(cache):
    # botocore's before-send event marks the request as gone: after it, the code is spent even if the answer never
    # comes (Ctrl-C while waiting); before it, nothing reached AWS.
    fetcher = Counting(Request(900), cache)

    def interrupted(sending, *, after_sending):
        if after_sending:
            sending(request="the signed request")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetcher.coded_call("123456", lambda sending: interrupted(sending, after_sending=False))
    assert fetcher.was_sent() is False
    with pytest.raises(KeyboardInterrupt):
        fetcher.coded_call("123456", lambda sending: interrupted(sending, after_sending=True))
    assert fetcher.was_sent() is True
    # A call without a code watches nothing, and says so.
    assert fetcher.coded_call(None, lambda sending: sending) is None


def test_what_a_process_answered_it_answers_again_while_more_than_a_minute_is_left(cache):
    fetcher = Counting(Request(900), cache)
    first = fetch(fetcher, runtime())
    # Another worker renewed the entry meanwhile: this process keeps answering with what it gave first.
    cache.put("the-key", entry(900, key_id="ASIARENEWED"))
    assert fetch(fetcher, runtime()).credentials == first.credentials
    # Past the reuse window but with more than a minute left: still the same set within this process.
    answered = entry(PROCESS_MARGIN + 5, key_id=first.credentials.access_key)
    template._ANSWERED[fetcher.memo_key] = (os.getpid(), answered)
    assert fetch(fetcher, runtime()).credentials.access_key == first.credentials.access_key
    template._ANSWERED[fetcher.memo_key] = (os.getpid(), entry(PROCESS_MARGIN - 5, key_id=first.credentials.access_key))
    assert fetch(fetcher, runtime()).credentials.access_key == "ASIARENEWED"


def test_a_forked_worker_does_not_answer_with_what_its_parent_answered(cache):
    fetcher = Counting(Request(3600), cache)
    template._ANSWERED[fetcher.memo_key] = (os.getpid() + 1, entry(3000, key_id="ASIAPARENT"))
    cache.put("the-key", entry(3000, key_id="ASIACACHED"))
    assert fetch(fetcher, runtime()).credentials.access_key == "ASIACACHED"


def test_the_process_answers_again_without_a_cache_too():
    fetcher = Counting(Request(3600), None)
    first = fetch(fetcher, runtime())
    assert fetch(fetcher, runtime()).credentials == first.credentials and fetcher.calls == 1


def test_credentials_aws_refused_are_not_served_again(cache):
    fetcher = Counting(Request(3600), cache)
    refused = fetch(fetcher, runtime()).credentials.access_key
    fetcher.refused = refused
    renewed = fetch(fetcher, runtime())
    assert renewed.credentials.access_key != refused and fetcher.calls == 2

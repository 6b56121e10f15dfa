"""How a run is tied to the emulator and a world, checked against a stand-in emulator.

The stand-in is a tiny HTTP server that logs one call per request (`?action=...&account=...`),
so these tests pin the harness's bookkeeping (the endpoint it exports, which calls belong to a
run and to a world) independently of the real emulator.
"""

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.harness import AnsibleRunner, CollectionTree

ALICE, BOB = "111111111111", "222222222222"


@dataclass(frozen=True)
class Call:
    action: str
    coded: bool
    account_id: str


@dataclass
class StandInEmulator:
    endpoint_url: str = ""
    region: str = "eu-west-1"
    log: list[Call] = field(default_factory=list)

    def calls(self, *, action: str | None = None, coded: bool | None = None, account_ids: object = None) -> list[Call]:
        return [
            c
            for c in self.log
            if (account_ids is None or c.account_id in account_ids)  # type: ignore[operator]
            and (action is None or c.action == action)
            and (coded is None or c.coded == coded)
        ]

    def listings(self, *, account_ids: object = None) -> list[Call]:
        return []


@dataclass
class StandInWorld:
    account_id: str

    def env(self) -> Mapping[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": f"AKIA{self.account_id}",
            "AWS_SECRET_ACCESS_KEY": "not-a-secret",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }

    def account_ids(self) -> set[str]:
        return {self.account_id}


@pytest.fixture
def emu() -> Iterator[StandInEmulator]:
    emulator = StandInEmulator()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            emulator.log.append(Call(query["action"], query.get("coded") == "1", query["account"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    emulator.endpoint_url = f"http://127.0.0.1:{server.server_address[1]}"
    emulator.log.append(Call("GetSessionToken", True, ALICE))  # made before the run: never reported
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield emulator
    server.shutdown()
    server.server_close()


def calling(*calls: tuple[str, bool, str]) -> str:
    """A playbook that makes the given (action, coded, account) calls to $AWS_ENDPOINT_URL."""
    tasks = "".join(
        f"""
    - ansible.builtin.uri:
        url: "{{{{ lookup('env', 'AWS_ENDPOINT_URL') }}}}/?action={action}&coded={int(coded)}&account={account}"
"""
        for action, coded, account in calls
    )
    return f"- hosts: localhost\n  tasks:{tasks}"


@pytest.fixture
def runner(tmp_path: Path, collection: CollectionTree, emu: StandInEmulator) -> AnsibleRunner:
    return AnsibleRunner(tmp_path / "ansible", collection, emulator=emu)


def test_world_run_gets_world_keys_and_endpoint(runner: AnsibleRunner, emu: StandInEmulator) -> None:
    env = runner.environment(world=StandInWorld(ALICE))
    assert env["AWS_ACCESS_KEY_ID"] == f"AKIA{ALICE}"
    assert env["AWS_ENDPOINT_URL"] == emu.endpoint_url
    overridden = runner.environment(world=StandInWorld(ALICE), env={"AWS_ENDPOINT_URL": None})
    assert "AWS_ENDPOINT_URL" not in overridden


def test_calls_are_only_those_made_during_the_run(runner: AnsibleRunner, emu: StandInEmulator) -> None:
    playbook = calling(("GetSessionToken", True, ALICE), ("AssumeRole", True, BOB))
    # No world: the endpoint has to be passed by hand, and calls from every account count.
    result = runner.run(playbook, env={"AWS_ENDPOINT_URL": emu.endpoint_url}).assert_ok()
    assert result.calls == [Call("GetSessionToken", True, ALICE), Call("AssumeRole", True, BOB)]


def test_calls_are_restricted_to_the_world(runner: AnsibleRunner) -> None:
    playbook = calling(("GetSessionToken", True, ALICE), ("AssumeRole", True, BOB), ("AssumeRole", False, ALICE))
    result = runner.run(playbook, world=StandInWorld(ALICE)).assert_ok()
    assert [c.account_id for c in result.calls] == [ALICE, ALICE]
    assert result.count(action="AssumeRole") == 1
    assert result.count(coded=True) == 1
    assert result.count(action="GetSessionToken", coded=True) == 1


def test_world_without_emulator_is_an_error(tmp_path: Path, collection: CollectionTree) -> None:
    runner = AnsibleRunner(tmp_path / "ansible", collection)
    with pytest.raises(RuntimeError, match="needs the emulator"):
        runner.run("- hosts: localhost\n  tasks: []\n", world=StandInWorld(ALICE))


def test_without_emulator_there_are_no_calls(ansible: AnsibleRunner) -> None:
    assert ansible.emulator is None
    assert ansible.run("- hosts: localhost\n  tasks: []\n").assert_ok().calls == []

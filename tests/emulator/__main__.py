"""Run the emulator from the command line, read an MFA code from a running one, or point a shell at it.

    python -m tests.emulator serve --world demo --state-file /tmp/aws-emulator.json
    python -m tests.emulator code --state-file /tmp/aws-emulator.json
    eval "$(python -m tests.emulator env --state-file /tmp/aws-emulator.json)"

`serve` prints the endpoint and, with --world demo, the demo user's ARN, MFA serial and roles; the
state file (mode 0600) holds all that and the user's keys as JSON for scripts. `code` prints the demo
device's current code (`--next`: the one after it, as waiting for the device would give). `env` prints the
shell lines that point AWS tools and the example playbooks at the demo user of a running emulator.
"""

import argparse
import json
import os
import shlex
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

DEMO_ACCOUNT, DEMO_ADMIN_ACCOUNT, DEMO_AUDIT_ACCOUNT = "111111111111", "222222222222", "333333333333"


def build_demo(emulator: Any) -> Any:
    from tests.emulator.world import RoleSpec

    return emulator.build_world(
        user_name="alice",
        account_id=DEMO_ACCOUNT,
        bucket_names=["alice-photos", "alice-reports", "alice-backups"],
        roles=[
            RoleSpec("admin", requires_mfa=True, account_id=DEMO_ADMIN_ACCOUNT, max_session_duration=43200),
            RoleSpec("auditor", requires_mfa=True, account_id=DEMO_AUDIT_ACCOUNT),
        ],
    )


def _write_state(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
    os.replace(temporary, path)


def serve(arguments: argparse.Namespace) -> int:
    from tests.emulator import Emulator

    emulator = Emulator.start(port=arguments.port, region=arguments.region)
    state: dict[str, Any] = {"endpoint_url": emulator.endpoint_url, "region": emulator.region, "pid": os.getpid()}
    if arguments.world == "demo":
        world = build_demo(emulator)
        state["world"] = world.to_dict()
    if arguments.state_file:
        _write_state(Path(arguments.state_file), state)
    print(f"AWS emulator listening on {emulator.endpoint_url} (region {emulator.region})", flush=True)
    if "world" in state:
        world_state = state["world"]
        print(f"  user {world_state['user_arn']}, MFA device {world_state['mfa_serial']}", flush=True)
        for role in world_state["roles"].values():
            print(f"  role {role['arn']} (MFA required: {role['requires_mfa']})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if arguments.state_file:
            Path(arguments.state_file).unlink(missing_ok=True)
    return 0


def _read_state(path: str) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"{path} does not exist: start the emulator with `serve --state-file {path}` first") from None


def _control(endpoint: str, name: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
    url = f"{endpoint}/_emulator/{name}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"the emulator refused {name}: {error.read().decode('utf-8', 'replace')}") from None
    except OSError as error:
        raise SystemExit(f"the emulator at {endpoint} did not answer ({error}): is it still running?") from None


def code(arguments: argparse.Namespace) -> int:
    if arguments.state_file:
        state = _read_state(arguments.state_file)
    elif arguments.endpoint and arguments.serial:
        state = {"endpoint_url": arguments.endpoint}
    else:
        raise SystemExit("code needs --state-file, or --endpoint and --serial")
    endpoint = state["endpoint_url"]
    serial = arguments.serial or state["world"]["mfa_serial"]
    if arguments.next:
        from tests.emulator.mfa import STEP

        # What waiting for the device's next code gives, without the wait: the emulator's clock moves to
        # the start of the next 30-second step. A code is accepted once and never after a newer one, so the
        # current code, once spent, is of no more use; this one is new.
        now = time.time() + float(_control(endpoint, "state")["clock_offset"])
        _control(endpoint, "clock/advance", body={"seconds": STEP - now % STEP + 1})
    print(_control(endpoint, "code", {"serial": serial, "steps": arguments.steps})["code"])
    return 0


def environment(arguments: argparse.Namespace) -> int:
    state = _read_state(arguments.state_file)
    if "world" not in state:
        raise SystemExit(f"{arguments.state_file} holds no demo world: start the emulator with --world demo")
    world = state["world"]
    variables = {
        "AWS_ENDPOINT_URL": state["endpoint_url"],
        "AWS_DEFAULT_REGION": state["region"],
        "AWS_ACCESS_KEY_ID": world["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": world["secret_access_key"],
        "MFA_AWS_SERIAL_NUMBER": world["mfa_serial"],
    }
    shown = sys.stdout.isatty()
    # A profile would take precedence over the keys below, and a session token would spoil them.
    print("unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN")
    for name, value in variables.items():
        # On a screen, the secret key stays in the state file; `eval "$(...)"` gets it.
        hidden = shown and name == "AWS_SECRET_ACCESS_KEY"
        print(f"export {name}={'******' if hidden else shlex.quote(value)}")
    if shown:
        print(f'# to set them: eval "$(python -m tests.emulator env --state-file {arguments.state_file})"')
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator",
        description="Run the AWS emulator, read an MFA code from a running one, or point a shell at it.",
    )
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="run the emulator until interrupted (the default)")
    serve_parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    serve_parser.add_argument("--region", default="eu-west-1")
    serve_parser.add_argument("--world", choices=["none", "demo"], default="demo")
    serve_parser.add_argument("--state-file", help="write endpoint, keys and MFA serial here as JSON (0600)")
    code_parser = commands.add_parser("code", help="print an MFA device's current code (the demo's by default)")
    code_parser.add_argument("--state-file", help="the state file of `serve`")
    code_parser.add_argument("--endpoint", help="the emulator's URL, instead of --state-file (with --serial)")
    code_parser.add_argument("--serial", help="another device's serial")
    code_parser.add_argument("--steps", type=int, default=0, help="30-second steps ahead")
    code_parser.add_argument(
        "--next",
        action="store_true",
        help="move the emulator's clock to the next 30-second step first, as if you waited for the device's next code",
    )
    env_parser = commands.add_parser("env", help="print export lines for the demo user's keys, region and endpoint")
    env_parser.add_argument("--state-file", required=True, help="the state file of `serve`")
    arguments = parser.parse_args(argv)
    if arguments.command == "code":
        return code(arguments)
    if arguments.command == "env":
        return environment(arguments)
    if arguments.command is None:
        arguments = serve_parser.parse_args([])
    return serve(arguments)


if __name__ == "__main__":
    sys.exit(main())

"""Run the emulator from the command line, or read an MFA code from a running one.

    python -m tests.emulator serve --world demo --state-file /tmp/aws-emulator.json
    python -m tests.emulator code --state-file /tmp/aws-emulator.json

`serve` prints the endpoint and, with --world demo, the demo user's ARN, MFA serial and roles; the
state file (mode 0600) holds all that and the user's keys as JSON for scripts. `code` prints the demo
device's current code.
"""

import argparse
import json
import os
import signal
import sys
import threading
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


def code(arguments: argparse.Namespace) -> int:
    if arguments.state_file:
        state = json.loads(Path(arguments.state_file).read_text(encoding="utf-8"))
    elif arguments.endpoint and arguments.serial:
        state = {"endpoint_url": arguments.endpoint}
    else:
        raise SystemExit("code needs --state-file, or --endpoint and --serial")
    serial = arguments.serial or state["world"]["mfa_serial"]
    query = urllib.parse.urlencode({"serial": serial, "steps": arguments.steps})
    with urllib.request.urlopen(f"{state['endpoint_url']}/_emulator/code?{query}", timeout=10) as answer:
        print(json.load(answer)["code"])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description="Run the AWS emulator, or read an MFA code from a running one.")
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
    arguments = parser.parse_args(argv)
    if arguments.command == "code":
        return code(arguments)
    if arguments.command is None:
        arguments = serve_parser.parse_args([])
    return serve(arguments)


if __name__ == "__main__":
    sys.exit(main())

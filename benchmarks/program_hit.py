"""program_hit: bin/mfa-aws-credentials on a cache hit, against a bare `python -c pass`.

    python -m benchmarks.program_hit [--runs 40] [--instructions]

botocore runs a profile's credential_process for every AWS command and every boto3 process, so the program's
cache hit is paid once per tool started. One world: the guide's profiles (`alice-keys` with the IAM user's
keys and mfa_serial; `admin`, a role profile with source_profile and mfa_serial). One run of each profile with
a code fills the cache; then each profile's hit runs `--runs` times, beside `python -c pass` with the same
Python, in two installs of the collection: one where Python keeps the modules' bytecode (`__pycache__`, as an
install the user owns gets it on the first run), and one where it cannot (PYTHONDONTWRITEBYTECODE, as in a
read-only execution environment). Wall and CPU times come from hyperfine when it is installed (else from a
loop of runs), CPU also from the exit status of each run; with --instructions, valgrind's callgrind counts
each one's instructions once. It also records what a hit loaded (ansible-core and botocore must not be among
it) and how often it opened the shared AWS files. No AWS call may follow the filling runs.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from benchmarks._support import (
    Bench,
    EmulatorProcess,
    Machine,
    Report,
    children_cpu,
    require_tools,
    table,
    workspace,
)
from tests.harness.paths import PYTHON, REPO_ROOT

GOAL = 3.5
PROGRAM = Path("bin") / "mfa-aws-credentials"
PROFILES = ("alice-keys", "admin")

# Runs the program as botocore would, and reports what it loaded and how often it opened the AWS files.
WATCHED = textwrap.dedent(
    """
    import json, os, runpy, sys
    files = {os.environ["AWS_CONFIG_FILE"]: "config", os.environ["AWS_SHARED_CREDENTIALS_FILE"]: "credentials"}
    opened = {"config": 0, "credentials": 0}

    def watch(event, args):
        if event == "open" and args and str(args[0]) in files:
            opened[files[str(args[0])]] += 1

    sys.addaudithook(watch)
    program, sys.argv = sys.argv[1], sys.argv[1:]
    try:
        runpy.run_path(program, run_name="__main__")
    except SystemExit as done:
        if done.code:
            raise
    loaded = sorted({name.split(".")[0] for name in sys.modules} & {"ansible", "botocore", "boto3"})
    sys.stderr.write(json.dumps({"opened": opened, "loaded": loaded}) + "\\n")
    """
)


def install(destination: Path) -> Path:
    """A copy of the collection as ansible-galaxy installs it: <root>/ansible_collections/mfa/aws."""
    collection = destination / "ansible_collections" / "mfa" / "aws"
    for part in ("plugins", "bin", "meta"):
        shutil.copytree(REPO_ROOT / part, collection / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "galaxy.yml", collection / "galaxy.yml")
    return collection / PROGRAM


def profiles(bench: Bench, world: Any, program: Path) -> None:
    bench.sandbox.aws_credentials_file.write_text(
        f"[alice-keys]\naws_access_key_id = {world.data['access_key_id']}\n"
        f"aws_secret_access_key = {world.data['secret_access_key']}\n",
        encoding="utf-8",
    )
    bench.sandbox.aws_config_file.write_text(
        f"[profile alice-keys]\nmfa_serial = {world.mfa_serial}\n\n"
        f"[profile admin]\nrole_arn = {world.role_arns['admin']}\nsource_profile = alice-keys\n"
        f"mfa_serial = {world.mfa_serial}\n\n"
        f"[profile alice]\ncredential_process = {program} --profile alice-keys\n",
        encoding="utf-8",
    )


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {finished.stderr[-2000:]}")
    return finished


def cpu_of(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    used = []
    for _run in range(runs):
        before = children_cpu()
        run(command, env)
        used.append(children_cpu() - before)
    return used


def hyperfine(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Each command's wall mean, median and min, and user and system means (seconds), from hyperfine."""
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "hyperfine.json"
        run(
            [
                "hyperfine",
                "--shell=none",
                "--warmup",
                "3",
                "--runs",
                str(runs),
                "--export-json",
                str(exported),
                *(" ".join(command) for command in commands.values()),
            ],
            env,
        )
        results = json.loads(exported.read_text(encoding="utf-8"))["results"]
    return {
        key: {name: result[name] for name in ("mean", "median", "min", "user", "system")}
        for key, result in zip(commands, results, strict=True)
    }


def instructions(command: list[str], env: dict[str, str]) -> int:
    finished = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(finished.stderr[-2000:])
    return int(re.findall(r"Collected : ([\d,]+)", finished.stderr)[-1].replace(",", ""))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=40, help="measured runs of each command (default 40)")
    parser.add_argument("--instructions", action="store_true", help="also count each command's instructions (valgrind)")
    arguments = parser.parse_args()
    require_tools()
    if arguments.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    timer = "hyperfine" if shutil.which("hyperfine") else "a loop of runs"
    machine = Machine.describe()
    rows, counted_rows, checks = [], [], []
    goals = []
    with workspace("program_hit", False) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            world = emulator.build_world(bucket_count=1, roles=[{"name": "admin", "requires_mfa": True}])
            base = bench.environment(world)
            # The keys live in the credentials file, as the guide has them.
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                base.pop(name)
            installs = {
                "bytecode kept (`__pycache__`)": (install(workdir / "kept"), {}),
                "no bytecode (PYTHONDONTWRITEBYTECODE)": (
                    install(workdir / "compiled"),
                    {"PYTHONDONTWRITEBYTECODE": "1"},
                ),
            }
            code = world.fresh_code()
            for install_name, (program, extra) in installs.items():
                env = {**base, **extra}
                profiles(bench, world, program)
                for profile in PROFILES:  # fills the cache, and __pycache__ where Python may write it
                    run([str(PYTHON), str(program), "--profile", profile, "--token-command", f"echo {code}"], env)
                calls = len(world.calls())
                commands = {"pass": [str(PYTHON), "-c", "pass"]}
                commands.update({profile: [str(PYTHON), str(program), "--profile", profile] for profile in PROFILES})
                for profile in PROFILES:
                    watched = run([str(PYTHON), "-c", WATCHED, str(program), "--profile", profile], env)
                    seen = json.loads(watched.stderr.strip().splitlines()[-1])
                    checks.append(
                        [
                            install_name,
                            profile,
                            ", ".join(seen["loaded"]) or "neither",
                            f"config {seen['opened']['config']}, credentials {seen['opened']['credentials']}",
                        ]
                    )
                cpu = {key: cpu_of(command, env, arguments.runs) for key, command in commands.items()}
                timed = hyperfine(commands, env, arguments.runs) if timer == "hyperfine" else None
                counted = (
                    {key: instructions(command, env) for key, command in commands.items()}
                    if arguments.instructions
                    else None
                )
                if len(world.calls()) != calls:
                    raise RuntimeError("a cache hit called AWS")
                pass_cpu = statistics.median(cpu["pass"])
                for key in commands:
                    median_cpu = statistics.median(cpu[key])
                    wall = timed[key] if timed else None
                    rows.append(
                        [
                            install_name,
                            "`python -c pass`" if key == "pass" else f"`--profile {key}`",
                            f"{_ms(wall['mean'])} / {_ms(wall['median'])} / {_ms(wall['min'])}" if wall else "-",
                            f"{_ms(wall['user'])} + {_ms(wall['system'])}" if wall else "-",
                            f"{_ms(median_cpu)} / {_ms(min(cpu[key]))}",
                            "-" if key == "pass" else f"{median_cpu / pass_cpu:.2f}x",
                            "-" if key == "pass" or not wall else f"{wall['mean'] / timed['pass']['mean']:.2f}x",
                        ]
                    )
                    if counted:
                        counted_rows.append(
                            [
                                install_name,
                                key,
                                f"{counted[key] / 1e6:.1f} M",
                                "-" if key == "pass" else f"{counted[key] / counted['pass']:.2f}x",
                            ]
                        )
                    if key != "pass":
                        measured = wall["mean"] / timed["pass"]["mean"] if wall else median_cpu / pass_cpu
                        goals.append(
                            [
                                f"{install_name}, `--profile {key}`: a hit <= {GOAL:g}x `python -c pass`"
                                + (" (wall, mean)" if wall else " (CPU, median)"),
                                f"{measured:.2f}x",
                                "yes" if measured <= GOAL else "no",
                            ]
                        )
        finally:
            bench.close()
    report = Report(
        "program_hit",
        "program_hit: bin/mfa-aws-credentials on a cache hit",
        f"botocore runs the program for every AWS command and boto3 process. Each command ran {arguments.runs} times "
        f"after a warm-up, timed by {timer}; CPU is user + system, read from each run's exit status (median / min). "
        f"Python is {PYTHON}, for the program and for `python -c pass` alike. One run of each profile with a code "
        "filled the cache first; no AWS call followed.",
        machine,
    )
    report.add(
        "A cache hit",
        table(
            [
                "install",
                "command",
                "wall, mean / median / min",
                "user + system, mean",
                "CPU, median / min",
                "x pass (CPU)",
                "x pass (wall)",
            ],
            rows,
        ),
    )
    if counted_rows:
        report.add(
            "Instructions (callgrind, one run each)",
            table(["install", "command", "instructions", "x pass"], counted_rows),
        )
    report.add(
        "What a hit loads and reads",
        table(["install", "profile", "ansible-core / botocore loaded", "shared files opened"], checks),
    )
    report.add("Goal", table(["goal", "measured", "met"], goals))
    report.write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

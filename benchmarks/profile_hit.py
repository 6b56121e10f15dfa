"""profile_hit: where a cache hit of the lookup spends its time, in a process set up as Ansible's worker is.

    python -m benchmarks.profile_hit [--evaluations 200]

One coded AssumeRole fills the cache; then a fresh interpreter that has imported what an ansible-playbook
worker already holds (the templar, the plugin loader, the display) loads `mfa.aws.mfa_assume_role` through
Ansible's lookup_loader and evaluates it again and again. It reports what the first evaluation costs (the
plugin's import: a worker forked per host and task pays it each time, unless the controller loaded the
plugin before forking), what each later one costs, the modules that import brought, and a cProfile of the
evaluations. Nothing talks to AWS after the first call: the emulator's call log is checked for it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import textwrap

from benchmarks._support import Bench, EmulatorProcess, Machine, Report, World, require_tools, table, workspace
from tests.harness.paths import PYTHON, REPO_ROOT

WORKER = textwrap.dedent(
    """
    import cProfile, io, json, pstats, sys, time
    # What a forked worker of ansible-playbook has imported before it templates a task's vars.
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    from ansible.template import Templar
    from ansible.utils.display import Display
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    init_plugin_loader()
    arguments = json.loads(sys.argv[1])
    before = set(sys.modules)
    started = time.perf_counter()
    lookup = lookup_loader.get("mfa.aws.mfa_assume_role", loader=DataLoader(), templar=Templar(loader=DataLoader()))
    code = {"mfa_token": arguments["code"]} if arguments["code"] else {}
    first = lookup.run([arguments["role_arn"]], {}, mfa_serial_number=arguments["serial"], **code)
    first_time = time.perf_counter() - started
    imported = sorted(set(sys.modules) - before)
    times = []
    profile = cProfile.Profile()
    for _ in range(arguments["evaluations"]):
        started = time.perf_counter()
        profile.enable()
        again = lookup.run([arguments["role_arn"]], {}, mfa_serial_number=arguments["serial"])
        profile.disable()
        times.append(time.perf_counter() - started)
        assert again == first
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    times.sort()
    print(json.dumps({
        "first": first_time,
        "median": times[len(times) // 2],
        "min": times[0],
        "imported": imported,
        "botocore": any(name.startswith("botocore") for name in sys.modules),
        "profile": out.getvalue(),
    }))
    """
)


def run_worker(env: dict[str, str], payload: dict[str, object]) -> dict[str, object]:
    finished = subprocess.run(
        [str(PYTHON), "-c", WORKER, json.dumps(payload)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(finished.stderr[-3000:])
    return json.loads(finished.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--evaluations", type=int, default=200)
    arguments = parser.parse_args()
    require_tools()
    machine = Machine.describe()
    with workspace("profile_hit", False) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            world: World = emulator.build_world(bucket_count=1, roles=[{"name": "admin", "requires_mfa": True}])
            env = {**bench.environment(world), "PYTHONPATH": str(bench.collections.root)}
            payload = {
                "role_arn": next(iter(world.role_arns.values())),
                "serial": world.mfa_serial,
                "code": world.fresh_code(),
                "evaluations": arguments.evaluations,
            }
            # The first process spends the code and fills the cache; the second starts cold, as a worker does.
            fill = run_worker(env, payload)
            found = run_worker(env, {**payload, "code": None})
            calls = world.calls()
        finally:
            bench.close()
    ours = [name for name in found["imported"] if name.startswith("ansible_collections.mfa")]
    others = [name for name in found["imported"] if not name.startswith("ansible_collections")]
    report = Report(
        "profile_hit",
        "profile_hit: the lookup's cache hit, in a process set up as a worker is",
        "A fresh interpreter imports what an ansible-playbook worker holds, then evaluates "
        f"`lookup('mfa.aws.mfa_assume_role', ...)`: one process fills the cache with one coded AssumeRole, then a "
        f"second, cold one evaluates it {arguments.evaluations + 1} times, all cache hits.",
        machine,
    )
    report.add(
        "Time",
        table(
            ["what", "time"],
            [
                ["first process: import + one coded AssumeRole", f"{fill['first'] * 1000:.1f} ms"],
                ["a cold worker: import + its first hit", f"{found['first'] * 1000:.1f} ms"],
                ["a cache hit, median", f"{found['median'] * 1000:.2f} ms"],
                ["a cache hit, min", f"{found['min'] * 1000:.2f} ms"],
                ["AWS calls in all", str(len(calls))],
            ],
        ),
    )
    report.add(
        "What a cold worker's first hit imported",
        f"{len(ours)} modules of the collection; {len(others)} others: "
        + (", ".join(others) or "none")
        + f". botocore loaded in the process: {found['botocore']}.",
    )
    report.add("cProfile of the cache hits, by cumulative time", "```\n" + found["profile"].strip() + "\n```")
    report.write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

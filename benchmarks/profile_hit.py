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
    # What a forked worker of ansible-playbook has before it templates a task's vars: the parent imported
    # Ansible and loaded a builtin lookup (the loader's own first use costs far more than any one plugin).
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import fragment_loader, init_plugin_loader, lookup_loader
    from ansible.template import Templar
    from ansible.utils.plugin_docs import get_docstring

    init_plugin_loader()
    loader = DataLoader()
    lookup_loader.get("ansible.builtin.file", loader=loader, templar=Templar(loader=loader))
    arguments = json.loads(sys.argv[1])
    code = {"mfa_token": arguments["code"]} if arguments["code"] else {}
    before = set(sys.modules)
    started, cpu = time.perf_counter(), time.process_time()
    lookup = lookup_loader.get("mfa.aws.mfa_assume_role", loader=loader, templar=Templar(loader=loader))
    load_time, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    imported = sorted(set(sys.modules) - before)
    started, cpu = time.perf_counter(), time.process_time()
    first = lookup.run([arguments["role_arn"]], {}, mfa_serial_number=arguments["serial"], **code)
    first_time, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    cpu = time.process_time()
    get_docstring(sys.modules[type(lookup).__module__].__file__, fragment_loader, collection_name="mfa.aws")
    docs_cpu = time.process_time() - cpu
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
        "load": load_time, "load_cpu": load_cpu, "docs_cpu": docs_cpu,
        "first": first_time, "first_cpu": first_cpu,
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
                ["first process: one coded AssumeRole", f"{fill['first'] * 1000:.1f} ms"],
                [
                    "a cold worker: loading the plugin (its modules compiled, its docs parsed), CPU",
                    f"{found['load_cpu'] * 1000:.1f} ms ({found['load'] * 1000:.1f} ms wall)",
                ],
                ["... of which parsing the plugin's documentation, CPU", f"{found['docs_cpu'] * 1000:.1f} ms"],
                [
                    "a cold worker: its first evaluation, a cache hit, CPU",
                    f"{found['first_cpu'] * 1000:.1f} ms ({found['first'] * 1000:.1f} ms wall)",
                ],
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

"""profile_hit: where a cache hit of the lookup spends its time, in processes set up as Ansible's workers are.

    python -m benchmarks.profile_hit [--evaluations 200] [--workers 30] [--instructions]

One coded MFA session and AssumeRole fill the cache. Then:
- forked workers: one process imports what an ansible-playbook worker holds when it templates a task's vars
  (the modules a real worker had loaded, read from a one-host play), then forks one worker per evaluation, as
  ansible-playbook forks one per host and task; each worker loads a lookup through Ansible's lookup_loader,
  evaluates it once and exits. The CPU time (user + system) of each worker is read from its exit status, for:
  a fork that does nothing, `bench.floor.tiny` (a one-file lookup, tiny docs), `bench.floor.nowork` (the
  documentation of mfa_assume_role and set_options, no work) and `mfa.aws.mfa_assume_role` (a cache hit).
  With --instructions the same workers also run under valgrind's callgrind, which counts the instructions
  each one executes after its fork: a figure that does not move with the machine's other load.
- one cold worker: the plugin's import and first hit, then `--evaluations` more hits under cProfile; the
  modules the hit imported (botocore must not be among them).
Nothing talks to AWS after the first evaluation: the emulator's call log is checked for it.
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
    FLOOR,
    Bench,
    EmulatorProcess,
    Machine,
    Report,
    World,
    require_tools,
    table,
    workspace,
)
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

# A lookup that writes the names of the modules its worker holds, run once in a real one-host play.
MODULES_LOOKUP = '''
DOCUMENTATION = r"""
name: modules
short_description: Writes the names of the modules loaded in the worker that evaluates it
description: [Used by benchmarks/profile_hit.py only.]
options:
  _terms:
    description: The file to write.
"""

import sys

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        with open(terms[0], "w", encoding="utf-8") as handle:
            handle.write("\\n".join(sorted(sys.modules)))
        return [{"access_key": "AKIAEXAMPLE"}]
'''

FORKER = textwrap.dedent(
    """
    import gc, importlib, json, os, sys
    arguments = json.loads(sys.argv[1])
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    from ansible.template import Templar

    init_plugin_loader()
    # What an ansible-playbook worker holds when it templates a task's vars, as a real one-host play had it.
    for name in arguments["modules"]:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    loader = DataLoader()
    lookup_loader.get("ansible.builtin.file", loader=loader, templar=Templar(loader=loader))
    # Every worker starts from a collected heap: whether a worker pays a full collection would otherwise depend
    # on where the parent's collector happened to be, not on what the worker does.
    gc.collect()
    cpu, collections, pids = {key: [] for key in arguments["variants"]}, {}, []
    for _ in range(arguments["workers"]):
        for key, variant in arguments["variants"].items():
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                status = 0
                try:
                    before = [each["collections"] for each in gc.get_stats()]
                    if variant is not None:
                        name, terms, keywords = variant
                        lookup = lookup_loader.get(name, loader=loader, templar=Templar(loader=loader))
                        result = lookup.run(terms, {}, **keywords)
                        assert result and "access_key" in result[0], result
                    after = [each["collections"] for each in gc.get_stats()]
                    os.write(write, json.dumps([b - a for a, b in zip(before, after)]).encode())
                except BaseException:
                    import traceback

                    traceback.print_exc()
                    status = 3
                os._exit(status)
            os.close(write)
            with os.fdopen(read) as answer:
                runs = json.loads(answer.read() or "null")
            _, status, usage = os.wait4(pid, 0)
            if status:
                sys.exit(f"{key}: the worker failed")
            cpu[key].append(usage.ru_utime + usage.ru_stime)
            collections[key] = runs
            pids.append([key, pid])
    print(json.dumps({"cpu": cpu, "collections": collections, "pids": pids}))
    """
)


def run_worker(env: dict[str, str], payload: dict[str, object]) -> dict[str, Any]:
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


def worker_modules(bench: Bench, world: World) -> list[str]:
    """The modules an ansible-playbook worker holds when it templates a task's vars (the collections' left out)."""
    lookups = bench.collections.root / "ansible_collections" / "bench" / "floor" / "plugins" / "lookup"
    (lookups / "modules.py").write_text(MODULES_LOOKUP.lstrip(), encoding="utf-8")
    listing = bench.workdir / "worker-modules.txt"
    play = f"""
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{{{ lookup('{FLOOR}.modules', '{listing}') }}}}"
        verbosity: 1
"""
    result = bench.run(play, world=world, hosts=1, forks=1)
    if result.rc != 0 or not listing.is_file():
        raise RuntimeError(f"the play that lists a worker's modules failed; see {result.run_dir}")
    names = listing.read_text(encoding="utf-8").split()
    return [name for name in names if not name.startswith(("ansible_collections", "__main__"))]


def forked_workers(
    env: dict[str, str], payload: dict[str, Any], instructions: bool
) -> tuple[dict[str, Any], dict[str, list[int]] | None]:
    """CPU of each forked worker; with `instructions`, also the instructions each executed after its fork."""
    command = [str(PYTHON), "-c", FORKER, json.dumps(payload)]
    counts_dir = None
    if instructions:
        counts_dir = Path(tempfile.mkdtemp(prefix="mfa-aws-callgrind-"))
        # Counting starts again in each child as Python hands it over after the fork.
        command = [
            "valgrind",
            "--tool=callgrind",
            "--zero-before=PyOS_AfterFork_Child",
            f"--callgrind-out-file={counts_dir}/callgrind.%p",
            *command,
        ]
    try:
        finished = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            raise RuntimeError(finished.stderr[-3000:])
        answer = json.loads(finished.stdout.strip().splitlines()[-1])
        if counts_dir is None:
            return answer, None
        counted: dict[str, list[int]] = {}
        for key, pid in answer["pids"]:
            text = (counts_dir / f"callgrind.{pid}").read_text(encoding="utf-8", errors="replace")
            counted.setdefault(key, []).append(int(re.search(r"^totals: (\d+)", text, re.MULTILINE).group(1)))
        return answer, counted
    finally:
        if counts_dir is not None:
            shutil.rmtree(counts_dir, ignore_errors=True)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f} ms"


def _millions(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f} M"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--evaluations", type=int, default=200, help="hits profiled in the cold worker")
    parser.add_argument("--workers", type=int, default=30, help="forked workers per lookup (default 30)")
    parser.add_argument(
        "--instructions", action="store_true", help="also count each worker's instructions (valgrind; slow)"
    )
    arguments = parser.parse_args()
    require_tools()
    if arguments.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    machine = Machine.describe()
    with workspace("profile_hit", False) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            world: World = emulator.build_world(bucket_count=1, roles=[{"name": "admin", "requires_mfa": True}])
            env = {**bench.environment(world), "PYTHONPATH": str(bench.collections.root)}
            role_arn, serial, code = next(iter(world.role_arns.values())), world.mfa_serial, world.fresh_code()
            payload = {"role_arn": role_arn, "serial": serial, "code": code, "evaluations": arguments.evaluations}
            # The first process spends the code and fills the cache; the others start cold, as a worker does.
            fill = run_worker(env, payload)
            found = run_worker(env, {**payload, "code": None})
            keywords = {"mfa_serial_number": serial, "mfa_token": code}
            variants = {
                "fork": None,
                "tiny": [f"{FLOOR}.tiny", [role_arn], {}],
                "nowork": [f"{FLOOR}.nowork", [role_arn], keywords],
                "ours": ["mfa.aws.mfa_assume_role", [role_arn], keywords],
            }
            forker = {"modules": worker_modules(bench, world), "variants": variants, "workers": arguments.workers}
            forked, _no_count = forked_workers(env, forker, instructions=False)
            counted = None
            if arguments.instructions:
                _no_times, counted = forked_workers(env, {**forker, "workers": 1}, instructions=True)
            calls = world.calls()
        finally:
            bench.close()
    labels = {
        "fork": "a fork that only exits",
        "tiny": f"`{FLOOR}.tiny`: a one-file lookup, tiny docs",
        "nowork": f"`{FLOOR}.nowork`: mfa_assume_role's docs and set_options, no work",
        "ours": "`mfa.aws.mfa_assume_role`: a cache hit",
    }
    fork_cpu = statistics.median(forked["cpu"]["fork"])
    fork_counted = statistics.median(counted["fork"]) if counted else None
    rows = []
    for key, label in labels.items():
        cpu = forked["cpu"][key]
        median = statistics.median(cpu)
        instructions = statistics.median(counted[key]) if counted else None
        rows.append(
            [
                label,
                f"{_ms(median)} / {_ms(min(cpu))}",
                "-" if key == "fork" else _ms(median - fork_cpu),
                _millions(instructions),
                "-" if key == "fork" or instructions is None else _millions(instructions - fork_counted),
                "/".join(str(runs) for runs in forked["collections"][key] or ()),
            ]
        )
    extra = {key: statistics.median(forked["cpu"][key]) - fork_cpu for key in ("nowork", "ours")}
    counted_extra = (
        {key: statistics.median(counted[key]) - fork_counted for key in ("nowork", "ours")} if counted else {}
    )
    ours = [name for name in found["imported"] if name.startswith("ansible_collections.mfa")]
    others = [name for name in found["imported"] if not name.startswith("ansible_collections")]
    report = Report(
        "profile_hit",
        "profile_hit: the lookup's cache hit, in processes set up as workers are",
        "One process fills the cache with one coded MFA session and AssumeRole. Then a process that holds what an "
        "ansible-playbook worker holds (the modules a worker of a real one-host play had loaded) forks one worker "
        f"per evaluation, {arguments.workers} per lookup, round-robin, from a just-collected heap; each loads the "
        "lookup through Ansible's lookup_loader, evaluates it once and exits. CPU is user + system of each worker, "
        "from its exit status"
        + (
            "; instructions are callgrind's count of what each worker executed after its fork (one worker each)"
            if counted
            else ""
        )
        + ". Then one cold worker profiles "
        f"{arguments.evaluations} more hits.",
        machine,
    )
    report.add(
        "Forked workers, one evaluation each",
        table(
            [
                "the worker evaluates",
                "CPU, median / min",
                "CPU over a bare fork",
                "instructions",
                "instructions over a bare fork",
                "collector runs (gen 0/1/2)",
            ],
            rows,
        )
        + "\n\n"
        + f"mfa_assume_role's hit over the no-work lookup's: CPU {extra['ours'] / extra['nowork']:.2f}x"
        + (f", instructions {counted_extra['ours'] / counted_extra['nowork']:.2f}x" if counted_extra else "")
        + ".",
    )
    report.add(
        "One cold worker",
        table(
            ["what", "time"],
            [
                ["first process: one coded MFA session and AssumeRole", f"{fill['first'] * 1000:.1f} ms"],
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

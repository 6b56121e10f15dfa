"""`python -m tests.mutation`: mutation testing of the collection's core (`make mutation`; see README.md).

python -m tests.mutation                                   every core file (about an hour on 2 cores)
python -m tests.mutation --files plugins/module_utils/_validation.py
python -m tests.mutation --mutant validation-compare-1a2b3c4d
python -m tests.mutation --list --files plugins/module_utils/_validation.py
python -m tests.mutation --report                          RESULTS.md again, after editing equivalent.yaml
"""

from __future__ import annotations

import argparse
import fnmatch
import queue
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tests.installer import compile_venv
from tests.mutation.mutants import Mutant, find_mutants, iter_operators
from tests.mutation.results import (
    REPORT,
    Results,
    load_equivalents,
    mutant_record,
    render_report,
)
from tests.mutation.runner import (
    SURVIVED,
    TIMEOUT_FACTOR,
    MutationError,
    Outcome,
    Targets,
    Workspace,
    clean_run,
    make_workspaces,
    mutant_timeout,
    per_test_limits,
    run_mutant,
)

REPO = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument(
        "--files", nargs="*", default=[], help="core files (paths or globs, space or comma separated); default: all"
    )
    parser.add_argument("--mutant", nargs="*", default=[], help="run only these mutant ids (see --list)")
    parser.add_argument("--list", action="store_true", help="list the mutants and their ids; run nothing")
    parser.add_argument(
        "--report", action="store_true", help="rewrite RESULTS.md from results.json and equivalent.yaml; run nothing"
    )
    parser.add_argument("--jobs", type=int, default=1, help="mutants run side by side, each in its own copy")
    parser.add_argument(
        "--timeout-factor",
        type=float,
        default=TIMEOUT_FACTOR,
        help=f"a mutant's time limit, in clean runs of its file's tests (plus 30 s); default {TIMEOUT_FACTOR}",
    )
    parser.add_argument("--keep", action="store_true", help="keep the private copies (their path is printed)")
    return parser


def _commit() -> str:
    def git(*args: str) -> str:
        # Not a git checkout (an unpacked tarball): the commit is then unknown, not an error.
        run = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)
        return run.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    # Results and equivalents change while runs go on; what was mutated and tested is the rest.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!tests/mutation")
    return f"{commit}+changes" if changed else commit


def _select_files(targets: Targets, patterns: list[str]) -> list[str]:
    core = targets.core_files(REPO)
    wanted = [pattern for entry in patterns for pattern in entry.replace(",", " ").split()]
    if not wanted:
        return core
    chosen = [file for file in core if any(fnmatch.fnmatchcase(file, pattern) for pattern in wanted)]
    unknown = [pattern for pattern in wanted if not any(fnmatch.fnmatchcase(file, pattern) for file in core)]
    if unknown:
        raise MutationError(f"not core files (see core in targets.toml): {', '.join(unknown)}")
    return chosen


def _list(files: list[str], equivalents: dict[str, dict[str, str]]) -> None:
    for file in files:
        mutants = find_mutants(file, (REPO / file).read_bytes())
        summary = ", ".join(f"{operator} {count}" for operator, count in iter_operators(mutants))
        print(f"# {file}: {len(mutants)} mutants ({summary})")
        for mutant in mutants:
            mark = "  [equivalent]" if mutant.id in equivalents else ""
            print(f"{mutant.id}  line {mutant.line}{mark}")
            print("    " + mutant.diff().replace("\n", "\n    "))


def _run_file(
    file: str,
    mutants: list[Mutant],
    workspaces: list[Workspace],
    targets: Targets,
    results: Results,
    equivalents: dict[str, dict[str, str]],
    factor: float,
    whole_file: bool,
) -> None:
    tests = targets.tests_for(file, REPO)
    to_run = [mutant for mutant in mutants if mutant.id not in equivalents]
    if not to_run and not whole_file:
        print(f"==> {file}: {len(mutants)} mutants, each in equivalent.yaml: not run", flush=True)
        for mutant in mutants:
            results.update_mutant(file, mutant_record(mutant, None))
        return
    print(f"==> {file}: {len(mutants)} mutants; clean run of {len(tests)} test files", flush=True)
    clean = clean_run(workspaces[0], file, tests, results.test_seconds(file), targets.target_for(file).deselect)
    timeout = mutant_timeout(clean, factor)
    limits = per_test_limits(clean, factor)
    print(
        f"    {len(clean.order)} tests pass in {clean.seconds:.0f} s"
        f" ({len(clean.failed)} failing and {len(clean.skipped)} skipped left out); limit {timeout:.0f} s a mutant",
        flush=True,
    )
    for test in clean.failed:
        print(f"    left out, fails unmutated: {test}", flush=True)
    outcomes: dict[str, Outcome] = {}
    free: queue.Queue[Workspace] = queue.Queue()
    for workspace in workspaces:
        free.put(workspace)
    lock = threading.Lock()

    def task(mutant: Mutant) -> Outcome:
        workspace = free.get()
        try:
            return run_mutant(workspace, mutant, tests, clean, timeout, limits)
        finally:
            free.put(workspace)

    with ThreadPoolExecutor(max_workers=len(workspaces)) as pool:
        futures = {pool.submit(task, mutant): mutant for mutant in to_run}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                mutant = futures[future]
                outcome = future.result()
                outcomes[mutant.id] = outcome
                with lock:
                    by = f"  by {outcome.killed_by}" if outcome.killed_by else ""
                    print(
                        f"    [{done}/{len(to_run)}] {outcome.status:8} {mutant.id}  line {mutant.line}"
                        f" ({outcome.seconds:.0f} s){by}",
                        flush=True,
                    )
                    if outcome.status == SURVIVED:
                        print("        " + mutant.diff().replace("\n", "\n        "), flush=True)
        except BaseException:
            for pending in futures:
                pending.cancel()
            for workspace in workspaces:
                workspace.stop()
            raise
    records = [mutant_record(mutant, outcomes.get(mutant.id)) for mutant in mutants]
    if whole_file:
        results.record_file(
            file,
            source=(REPO / file).read_bytes(),
            commit=_commit(),
            tests=tests,
            clean=clean,
            timeout=timeout,
            records=records,
        )
    else:
        for record in records:
            if not results.update_mutant(file, record):
                print(f"    (not saved: {file} has no full run in results.json to add it to)")


def plan_run(files: list[str], wanted: list[str]) -> tuple[list[tuple[str, list[Mutant]]], list[str]]:
    """The mutants to run, file by file: all of each file's, or only those `wanted` names; and the ids in
    `wanted` that no file has."""
    plan: list[tuple[str, list[Mutant]]] = []
    named, found = set(wanted), set()
    for file in files:
        mutants = find_mutants(file, (REPO / file).read_bytes())
        if named:
            mutants = [mutant for mutant in mutants if mutant.id in named]
            found.update(mutant.id for mutant in mutants)
        if mutants:
            plan.append((file, mutants))
    return plan, sorted(named - found)


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    targets = Targets.load()
    equivalents = load_equivalents()
    try:
        files = _select_files(targets, arguments.files)
    except MutationError as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 2
    if arguments.list:
        _list(files, equivalents)
        return 0
    if arguments.report:
        _write_report(targets, Results.load(), equivalents)
        print(f"report: {REPORT.relative_to(REPO)}")
        return 0
    plan, unknown = plan_run(files, arguments.mutant)
    if unknown:
        print(f"mutation: no such mutant: {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 2
    results = Results.load()
    # Each mutant's pytest runs without writing bytecode (runner.py says why), so the venv's modules are compiled
    # here, once: `make` builds the venv without, and every ansible-playbook run would compile ansible-core anew.
    if sys.prefix != sys.base_prefix:
        compile_venv(Path(sys.prefix))
    # SIGTERM, like Ctrl-C, ends the runs in progress and removes the copies.
    signal.signal(signal.SIGTERM, _interrupt)
    root, workspaces = make_workspaces(REPO, max(1, arguments.jobs))
    print(f"private copies of the checkout under {root}", flush=True)
    try:
        for file, mutants in plan:
            _run_file(
                file,
                mutants,
                workspaces,
                targets,
                results,
                equivalents,
                arguments.timeout_factor,
                whole_file=not arguments.mutant,
            )
            results.save()
            _write_report(targets, results, equivalents)
    except MutationError as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mutation: interrupted; files finished before are saved", file=sys.stderr)
        return 130
    finally:
        if arguments.keep:
            print(f"kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"report: {REPORT.relative_to(REPO)}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _write_report(targets: Targets, results: Results, equivalents: dict[str, dict[str, str]]) -> None:
    core = targets.core_files(REPO)
    sources = {file: (REPO / file).read_bytes() for file in core}
    current = {file: {mutant.id for mutant in find_mutants(file, source)} for file, source in sources.items()}
    REPORT.write_text(render_report(results, equivalents, core, sources, current), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""lookup_at_scale: a lookup in play vars at 100 and 500 hosts, each of 5 tasks templating it.

    python -m benchmarks.lookup_at_scale [--repeat 3] [--hosts 100,500] [--forks 20] [--keep]

Ansible evaluates a lookup in vars every time a task templates the variable, each time in a forked worker:
100 hosts x 5 tasks is 500 evaluations in 500 processes. This times the same play with `creds` as
- a literal dict (Ansible's own floor),
- `ansible.builtin.env` in a dict (what a builtin lookup costs),
- `bench.floor.tiny`, a one-file collection lookup with tiny documentation (what loading any collection's
  lookup costs),
- `bench.floor.nowork`, a lookup carrying mfa_assume_role's documentation that calls set_options and returns
  (what Ansible charges for a lookup with these options before it does any work),
- `mfa.aws.mfa_assume_role` (one coded MFA session and AssumeRole, then 499 cache hits),
- `sts_mfa_assume_role` once on localhost, then `hostvars['localhost'].aws_mfa_role`.
Every run starts with an empty credentials cache and a fresh code, so the lookup's first evaluation calls STS.
Each run's wall time and CPU time (user + system of ansible-playbook and its workers) are recorded: on a
machine that other work shares, the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from benchmarks._support import (
    FLOOR,
    Bench,
    EmulatorProcess,
    Machine,
    Report,
    RunResult,
    Samples,
    World,
    median_min,
    ratio,
    require_tools,
    seconds,
    table,
    workspace,
)

TASKS = 5
#: The lookup's cache hit: at most this much of the literal play ...
GOAL_FLOOR = 1.3
#: ... and of the play whose lookup carries the same documentation and does no work.
GOAL_NO_WORK = 1.1


def _play(creds: str, before: str = "") -> str:
    tasks = "".join(
        f"""
    - name: Use the credentials ({number})
      ansible.builtin.debug:
        msg: "{{{{ creds.access_key | length }}}}"
        verbosity: 1
"""
        for number in range(1, TASKS + 1)
    )
    return (
        before
        + f"""
- name: Five tasks on every host, each templating creds
  hosts: all
  gather_facts: false
  vars:
    creds: {creds}
  tasks:{tasks}"""
    )


MODULE_FIRST = """
- name: Open the role's session once, on the controller
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Assume the role
      mfa.aws.sts_mfa_assume_role:
        role_arn: "{{ role_arn }}"
        mfa_serial_number: "{{ mfa_serial }}"
        mfa_token: "{{ mfa_code }}"
"""

LOOKUP = "\"{{ lookup('mfa.aws.mfa_assume_role', role_arn, mfa_serial_number=mfa_serial, mfa_token=mfa_code) }}\""
NO_WORK = f"\"{{{{ lookup('{FLOOR}.nowork', role_arn, mfa_serial_number=mfa_serial, mfa_token=mfa_code) }}}}\""
TINY = f"\"{{{{ lookup('{FLOOR}.tiny', role_arn) }}}}\""


@dataclass
class Variant:
    key: str
    label: str
    playbook: str
    wall: dict[int, Samples] = field(default_factory=dict)
    cpu: dict[int, Samples] = field(default_factory=dict)
    calls: dict[int, list[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def record(self, hosts: int, result: RunResult) -> None:
        if result.rc != 0:
            messages = [message for task in result.tasks for message in task.messages()]
            self.failures.append(f"{hosts} hosts, rc={result.rc}: {messages[:1] or result.run_dir}")
            return
        self.wall.setdefault(hosts, Samples()).add(result.wall)
        self.cpu.setdefault(hosts, Samples()).add(result.cpu)
        coded = result.count_calls(coded=True)
        self.calls.setdefault(hosts, []).append(f"{len(result.calls)} ({coded} coded)")


def variants() -> list[Variant]:
    return [
        Variant("literal", "a literal dict (Ansible's floor)", _play('{"access_key": "AKIAEXAMPLE"}')),
        Variant(
            "builtin",
            "`lookup('ansible.builtin.env', 'HOME')` in a dict",
            _play("\"{{ {'access_key': lookup('ansible.builtin.env', 'HOME')} }}\""),
        ),
        Variant("tiny", f"`lookup('{FLOOR}.tiny', ...)`: a one-file lookup, tiny docs", _play(TINY)),
        Variant(
            "nowork",
            f"`lookup('{FLOOR}.nowork', ...)`: mfa_assume_role's docs and set_options, no work",
            _play(NO_WORK),
        ),
        Variant("ours", "`lookup('mfa.aws.mfa_assume_role', ...)`", _play(LOOKUP)),
        Variant(
            "module",
            "`sts_mfa_assume_role` once on localhost, then `hostvars['localhost'].aws_mfa_role`",
            _play("\"{{ hostvars['localhost'].aws_mfa_role }}\"", MODULE_FIRST),
        ),
    ]


def measure(bench: Bench, world: World, hosts: int, forks: int, repeat: int, measured: list[Variant]) -> None:
    for number in range(repeat + 1):
        keep = number > 0  # one round first, not counted: it warms the page cache and the emulator
        for variant in measured:  # round-robin, so the machine's other load falls on each alike
            bench.clear_credentials_cache()
            extra_vars = {
                "role_arn": next(iter(world.role_arns.values())),
                "mfa_serial": world.mfa_serial,
                "mfa_code": world.fresh_code(),
            }
            result = bench.run(variant.playbook, world=world, hosts=hosts, forks=forks, extra_vars=extra_vars)
            if keep:
                variant.record(hosts, result)
            print(
                f"  {hosts} hosts  {variant.key:<8} rc={result.rc} {seconds(result.wall)} cpu {seconds(result.cpu)}"
                f"  calls {len(result.calls)}{'' if keep else '  (warm-up)'}",
                flush=True,
            )


def _over(extra: float | None, hosts: int) -> str:
    if extra is None:
        return "-"
    return f"{seconds(extra)} ({extra / (hosts * TASKS) * 1000:.1f} ms an evaluation)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each variant (default 3)")
    parser.add_argument("--hosts", default="100,500", help="host counts (default 100,500)")
    parser.add_argument("--forks", type=int, default=20, help="forks (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the sandbox (playbooks, output, timings)")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.hosts.split(",")]
    require_tools()
    machine = Machine.describe()
    report = Report(
        "lookup_at_scale",
        f"lookup_at_scale: a lookup in vars, {TASKS} tasks on every host",
        f"One play of {TASKS} `debug` tasks (verbosity 1, so nothing prints) on N local hosts at "
        f"{arguments.forks} forks, each task templating `creds`; `creds` is each of the variants below. "
        f"Each ran {arguments.repeat} times per size (after one warm-up round); figures are the whole "
        "ansible-playbook run, median / min: its wall time, and its CPU time (user + system of ansible-playbook and "
        "every worker it forked), the steadier figure on a machine that other work shares. Every run starts with an "
        f"empty credentials cache and a fresh code. `{FLOOR}` is a collection of the benchmarks' own: `tiny` is a "
        "one-file lookup with tiny documentation; `nowork` carries mfa_assume_role's documentation (its doc "
        "fragments included), calls set_options and returns. Calls are those the emulator answered during the run.",
        machine,
    )
    measured = variants()
    with workspace("lookup_at_scale", arguments.keep) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            world = emulator.build_world(bucket_count=1, roles=[{"name": "admin", "requires_mfa": True}])
            for hosts in sizes:
                measure(bench, world, hosts, arguments.forks, arguments.repeat, measured)
        finally:
            bench.close()
    by_key = {variant.key: variant for variant in measured}
    for hosts in sizes:
        floor, floor_cpu = by_key["literal"].wall.get(hosts, Samples()), by_key["literal"].cpu.get(hosts, Samples())
        rows = []
        for variant in measured:
            samples, cpu = variant.wall.get(hosts, Samples()), variant.cpu.get(hosts, Samples())
            over = None if samples.median is None or floor.median is None else samples.median - floor.median
            cpu_over = None if cpu.median is None or floor_cpu.median is None else cpu.median - floor_cpu.median
            rows.append(
                [
                    variant.label,
                    median_min(samples),
                    _over(over, hosts) if variant.key != "literal" else "-",
                    ratio(samples.median, floor.median),
                    median_min(cpu),
                    _over(cpu_over, hosts) if variant.key != "literal" else "-",
                    ratio(cpu.median, floor_cpu.median),
                    ", ".join(dict.fromkeys(variant.calls.get(hosts, []))) or "-",
                ]
            )
        report.add(
            f"{hosts} hosts x {TASKS} tasks, forks {arguments.forks}",
            table(
                [
                    "`creds` is",
                    "wall, median / min",
                    "wall over the literal play",
                    "x literal (wall)",
                    "CPU, median / min",
                    "CPU over the literal play",
                    "x literal (CPU)",
                    "AWS calls",
                ],
                rows,
            ),
        )
    goals = []
    for hosts in sizes:
        for measure_name, figures in (("wall", "wall"), ("CPU", "cpu")):
            literal, no_work, ours = (
                getattr(by_key[key], figures).get(hosts, Samples()) for key in ("literal", "nowork", "ours")
            )
            if None in (literal.median, no_work.median, ours.median):
                continue
            goals.append(
                [
                    f"{hosts} hosts, {measure_name}: ours <= {GOAL_FLOOR:g}x the literal play",
                    ratio(ours.median, literal.median),
                    "yes" if ours.median <= GOAL_FLOOR * literal.median else "no",
                ]
            )
            goals.append(
                [
                    f"{hosts} hosts, {measure_name}: ours <= {GOAL_NO_WORK:g}x the no-work lookup's play",
                    ratio(ours.median, no_work.median),
                    "yes" if ours.median <= GOAL_NO_WORK * no_work.median else "no",
                ]
            )
    report.add("Goals", table(["goal", "measured", "met"], goals))
    failures = [f"- {variant.label}: {failure}" for variant in measured for failure in variant.failures]
    if failures:
        report.add("Failed runs", "\n".join(failures))
    report.write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

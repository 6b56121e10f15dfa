"""fanout: one MFA code opens 20 roles, with every AWS answer 200 ms late.

    python -m benchmarks.fanout [--repeat 5] [--keep]

Times, in real ansible-playbook runs against the emulator, the task whose vars call
`query('mfa.aws.mfa_assume_role', arn1, ..., arn20, mfa_serial_number=..., mfa_token=...)` against the same
lookup with one role (one coded AssumeRole), and the module path (sts_mfa_session, then
sts_mfa_assume_role looped over the 20 roles) against one coded sts_mfa_assume_role. Every run starts with
an empty credentials cache and a code the device has not shown before, so each one talks to STS.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

from benchmarks._support import (
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

ROLE_COUNT = 20
LATENCY = 0.2
GOAL = 2.0

LOOKUP_TASK = "Assume the roles with the lookup"
LOOKUP_PLAY = f"""
- name: Fan out with the lookup
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {LOOKUP_TASK}
      ansible.builtin.set_fact:
        role_credentials: >-
          {{{{ query('mfa.aws.mfa_assume_role', *role_arns, mfa_serial_number=mfa_serial, mfa_token=mfa_code) }}}}
    - name: Check that every role answered
      ansible.builtin.assert:
        that: role_credentials | length == role_arns | length
        quiet: true
"""

SESSION_TASK = "Open an MFA session"
LOOP_TASK = "Assume each role with the session"
MODULES_PLAY = f"""
- name: Fan out with the modules
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {SESSION_TASK}
      mfa.aws.sts_mfa_session:
        mfa_serial_number: "{{{{ mfa_serial }}}}"
        mfa_token: "{{{{ mfa_code }}}}"
    - name: {LOOP_TASK}
      mfa.aws.sts_mfa_assume_role:
        role_arn: "{{{{ item }}}}"
        access_key: "{{{{ aws_mfa_session.access_key }}}}"
        secret_key: "{{{{ aws_mfa_session.secret_key }}}}"
        session_token: "{{{{ aws_mfa_session.session_token }}}}"
      loop: "{{{{ role_arns }}}}"
      register: role_sessions
    - name: Check that every role answered
      ansible.builtin.assert:
        that: role_sessions.results | length == role_arns | length
        quiet: true
"""

SINGLE_TASK = "Assume one role with the code"
SINGLE_MODULE_PLAY = f"""
- name: One role with the module
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {SINGLE_TASK}
      mfa.aws.sts_mfa_assume_role:
        role_arn: "{{{{ role_arns[0] }}}}"
        mfa_serial_number: "{{{{ mfa_serial }}}}"
        mfa_token: "{{{{ mfa_code }}}}"
"""


@dataclass
class Scenario:
    key: str
    label: str
    playbook: str
    roles: int
    #: The tasks whose times add up to the scenario's time.
    tasks: tuple[str, ...]
    task_time: Samples = field(default_factory=Samples)
    playbook_time: Samples = field(default_factory=Samples)
    calls: list[dict[str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def record(self, result: RunResult) -> None:
        if result.rc != 0:
            messages = [message for task in result.tasks for message in task.messages()]
            self.failures.append(f"rc={result.rc}: {messages[:1] or result.run_dir}")
            return
        times = [result.task(name).wall for name in self.tasks]
        self.task_time.add(sum(times) if None not in times else None)
        self.playbook_time.add(result.wall)
        self.calls.append(
            {
                "coded": result.count_calls(coded=True),
                "GetSessionToken": result.count_calls("GetSessionToken"),
                "AssumeRole": result.count_calls("AssumeRole"),
                "GetCallerIdentity": result.count_calls("GetCallerIdentity"),
                "refused": sum(1 for call in result.calls if call["outcome"] != "ok"),
                "total": len(result.calls),
            }
        )

    def calls_cell(self) -> str:
        if not self.calls:
            return "-"
        distinct = {json.dumps(entry, sort_keys=True) for entry in self.calls}
        shown = self.calls[-1]
        text = (
            f"{shown['total']}: {shown['coded']} coded; GetSessionToken {shown['GetSessionToken']}, "
            f"AssumeRole {shown['AssumeRole']}, GetCallerIdentity {shown['GetCallerIdentity']}"
        )
        if shown["refused"]:
            text += f"; {shown['refused']} refused"
        return text if len(distinct) == 1 else text + " (varied between runs)"


def scenarios() -> list[Scenario]:
    return [
        Scenario("lookup-1", "lookup, 1 role (one coded AssumeRole)", LOOKUP_PLAY, 1, (LOOKUP_TASK,)),
        Scenario("lookup-20", f"lookup, {ROLE_COUNT} roles, one code", LOOKUP_PLAY, ROLE_COUNT, (LOOKUP_TASK,)),
        Scenario("module-1", "sts_mfa_assume_role, 1 role with the code", SINGLE_MODULE_PLAY, 1, (SINGLE_TASK,)),
        Scenario(
            "modules-20",
            f"sts_mfa_session + sts_mfa_assume_role loop over {ROLE_COUNT} roles",
            MODULES_PLAY,
            ROLE_COUNT,
            (SESSION_TASK, LOOP_TASK),
        ),
    ]


def measure(bench: Bench, world: World, latency: float, repeat: int) -> list[Scenario]:
    world.emulator.set_latency(latency)
    measured = scenarios()
    arns = list(world.role_arns.values())
    for number in range(repeat + 1):
        keep = number > 0  # one round first, not counted: it warms the page cache and the emulator
        # Round-robin, so that whatever else the machine does falls on every scenario alike.
        for scenario in measured:
            bench.clear_credentials_cache()
            extra_vars = {
                "role_arns": arns[: scenario.roles],
                "mfa_serial": world.mfa_serial,
                "mfa_code": world.fresh_code(),
            }
            result = bench.run(scenario.playbook, world=world, extra_vars=extra_vars)
            if keep:
                scenario.record(result)
            spent = sum(result.task(name).wall or 0 for name in scenario.tasks) if result.rc == 0 else None
            print(
                f"  latency {latency * 1000:.0f} ms  {scenario.key:<11} rc={result.rc} task {seconds(spent)}"
                f"  playbook {seconds(result.wall)}{'' if keep else '  (warm-up)'}",
                flush=True,
            )
    return measured


def results_table(measured: list[Scenario]) -> str:
    rows = [
        [
            scenario.label,
            median_min(scenario.task_time),
            median_min(scenario.playbook_time),
            scenario.calls_cell(),
            len(scenario.failures) or "",
        ]
        for scenario in measured
    ]
    headers = [
        "path",
        "task(s) wall, median / min",
        "ansible-playbook wall, median / min",
        "STS calls per run",
        "failed runs",
    ]
    return table(headers, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs of each path (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the sandbox (playbooks, output, timings)")
    arguments = parser.parse_args()
    require_tools()
    machine = Machine.describe()
    report = Report(
        "fanout",
        "fanout: one MFA code, 20 roles",
        f"One world: an IAM user whose policy requires MFA, and {ROLE_COUNT} roles in {ROLE_COUNT} other accounts, "
        "each trusting the user only with MFA. Every run starts with an empty credentials cache and a fresh "
        f"code. Each path ran {arguments.repeat} times (after one warm-up run); figures are median / min. "
        "Task wall time runs from the task's start to the controller receiving its last result "
        "(benchmarks/callback_plugins/bench_timer.py); for the modules it is the two tasks' sum. "
        "STS calls are those the emulator answered during the run.",
        machine,
    )
    with workspace("fanout", arguments.keep) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            roles = [
                {"name": f"role{index:02d}", "requires_mfa": True, "bucket_count": 0}
                for index in range(1, ROLE_COUNT + 1)
            ]
            world = emulator.build_world(bucket_count=1, roles=roles)
            by_latency = {}
            for latency in (LATENCY, 0.0):
                print(f"latency {latency * 1000:.0f} ms:", flush=True)
                by_latency[latency] = {
                    scenario.key: scenario for scenario in measure(bench, world, latency, arguments.repeat)
                }
        finally:
            bench.close()

    main_run = by_latency[LATENCY]
    report.add(f"At {LATENCY * 1000:.0f} ms per AWS answer", results_table(list(main_run.values())))
    many, one = main_run["lookup-20"].task_time, main_run["lookup-1"].task_time
    lookup_ratio = f"{ratio(many.median, one.median)} (mins: {ratio(many.min, one.min)})"
    modules, module = main_run["modules-20"].task_time, main_run["module-1"].task_time
    modules_ratio = f"{ratio(modules.median, module.median)} (mins: {ratio(modules.min, module.min)})"

    def within(ours: float | None, single: float | None) -> str:
        return "-" if ours is None or not single else ("yes" if ours <= GOAL * single else "no")

    met = f"{within(many.median, one.median)} (mins: {within(many.min, one.min)})"
    calls = main_run["lookup-20"].calls[-1] if main_run["lookup-20"].calls else None
    calls_met = (
        calls is not None
        and calls["coded"] == 1
        and calls["GetSessionToken"] == 1
        and calls["AssumeRole"] == ROLE_COUNT
    )
    report.add(
        "Goals",
        table(
            ["goal", "measured", "met"],
            [
                [
                    f"lookup, {ROLE_COUNT} roles <= {GOAL:g}x one AssumeRole (task wall)",
                    lookup_ratio,
                    met,
                ],
                [
                    f"1 coded GetSessionToken + {ROLE_COUNT} AssumeRole",
                    main_run["lookup-20"].calls_cell(),
                    "yes" if calls_met else "no",
                ],
                [f"(modules, {ROLE_COUNT} roles vs one coded sts_mfa_assume_role; no goal)", modules_ratio, ""],
            ],
        ),
    )
    zero = by_latency[0.0]
    report.add(
        "Without injected latency (what the controller itself spends)",
        results_table(list(zero.values()))
        + "\n\n"
        + f"lookup, {ROLE_COUNT} roles vs 1 role: "
        + ratio(zero["lookup-20"].task_time.median, zero["lookup-1"].task_time.median),
    )
    failures = [
        f"- {s.label} ({latency * 1000:.0f} ms): {f}"
        for latency, runs in by_latency.items()
        for s in runs.values()
        for f in s.failures
    ]
    if failures:
        report.add("Failed runs", "\n".join(failures))
    report.write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""versus_amazon_aws: the same jobs done with mfa.aws and with amazon.aws / community.aws, on one world.

    python -m benchmarks.versus_amazon_aws [--repeat 5] [--keep] [--buckets 1000]

Two jobs, at 1 host (forks 5) and at 20 hosts (forks 20), every host a local one:

- an MFA session, then every bucket listed with it: mfa.aws.sts_mfa_session + mfa.aws.s3_bucket_list
  against community.aws.sts_session_token + amazon.aws.s3_bucket_info;
- a role that requires MFA: the lookup mfa.aws.mfa_assume_role in play vars (used by a set_fact task)
  against the module amazon.aws.sts_assume_role.

Each run gets a code the device has not shown before and an empty credentials cache. Records every
task's wall time, how many hosts succeeded, and the STS calls the emulator answered, coded or not,
refused or not: a code works once, so where one call per host is sent, all but one are refused.
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
    third_party_collections,
    workspace,
)

HOST_COUNTS = ((1, 5), (20, 20))
GOAL = 0.6

OURS_SESSION = "Session with mfa.aws.sts_mfa_session"
OURS_LIST = "List with mfa.aws.s3_bucket_list"
OURS_SESSION_PLAY = f"""
- name: MFA session and buckets, mfa.aws
  hosts: targets
  gather_facts: false
  tasks:
    - name: {OURS_SESSION}
      mfa.aws.sts_mfa_session:
        mfa_serial_number: "{{{{ mfa_serial }}}}"
        mfa_token: "{{{{ mfa_code }}}}"
    - name: {OURS_LIST}
      mfa.aws.s3_bucket_list:
        access_key: "{{{{ aws_mfa_session.access_key }}}}"
        secret_key: "{{{{ aws_mfa_session.secret_key }}}}"
        session_token: "{{{{ aws_mfa_session.session_token }}}}"
      register: listing
"""

THEIRS_SESSION = "Session with community.aws.sts_session_token"
THEIRS_LIST = "List with amazon.aws.s3_bucket_info"
THEIRS_SESSION_PLAY = f"""
- name: MFA session and buckets, community.aws and amazon.aws
  hosts: targets
  gather_facts: false
  tasks:
    - name: {THEIRS_SESSION}
      community.aws.sts_session_token:
        mfa_serial_number: "{{{{ mfa_serial }}}}"
        mfa_token: "{{{{ mfa_code }}}}"
      register: session
    - name: {THEIRS_LIST}
      amazon.aws.s3_bucket_info:
        access_key: "{{{{ session.sts_creds.access_key }}}}"
        secret_key: "{{{{ session.sts_creds.secret_key }}}}"
        session_token: "{{{{ session.sts_creds.session_token }}}}"
      register: listing
"""

OURS_ROLE = "Role with lookup mfa.aws.mfa_assume_role in vars"
OURS_ROLE_PLAY = f"""
- name: A role that requires MFA, mfa.aws
  hosts: targets
  gather_facts: false
  vars:
    admin: "{{{{ lookup('mfa.aws.mfa_assume_role', role_arn, mfa_serial_number=mfa_serial, mfa_token=mfa_code) }}}}"
  tasks:
    - name: {OURS_ROLE}
      ansible.builtin.set_fact:
        admin_key: "{{{{ admin.access_key }}}}"
"""

THEIRS_ROLE = "Role with amazon.aws.sts_assume_role"
THEIRS_ROLE_PLAY = f"""
- name: A role that requires MFA, amazon.aws
  hosts: targets
  gather_facts: false
  tasks:
    - name: {THEIRS_ROLE}
      amazon.aws.sts_assume_role:
        role_arn: "{{{{ role_arn }}}}"
        role_session_name: benchmark
        mfa_serial_number: "{{{{ mfa_serial }}}}"
        mfa_token: "{{{{ mfa_code }}}}"
      register: admin
"""


@dataclass
class TaskFigures:
    wall: Samples = field(default_factory=Samples)
    ok: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def hosts_cell(self, hosts: int) -> str:
        if not self.ok and not self.failed:
            return "did not run"
        ok, failed = max(self.ok), max(self.failed)
        varied = " (varied)" if len(set(self.ok)) > 1 else ""
        return f"{ok} ok, {failed} failed{varied}" if failed else f"{ok}/{hosts} ok{varied}"


@dataclass
class Flow:
    key: str
    collection: str
    job: str
    playbook: str
    tasks: tuple[str, ...]
    figures: dict[str, TaskFigures] = field(default_factory=dict)
    calls: list[dict[str, int]] = field(default_factory=list)

    def record(self, result: RunResult) -> None:
        for name in self.tasks:
            figures = self.figures.setdefault(name, TaskFigures())
            try:
                task = result.task(name)
            except KeyError:  # every host failed before it
                continue
            figures.wall.add(task.wall)
            figures.ok.append(task.count("ok"))
            figures.failed.append(task.count("failed"))
            figures.messages.extend(task.messages()[:1])
        by_action: dict[str, int] = {}
        for call in result.calls:
            name = (
                call["action"] + (" coded" if call["coded"] else "") + (" refused" if call["outcome"] != "ok" else "")
            )
            by_action[name] = by_action.get(name, 0) + 1
        self.calls.append(
            {
                "total": len(result.calls),
                "coded": result.count_calls(coded=True),
                "coded refused": result.count_calls(coded=True, outcome="refused"),
                "refused": result.count_calls(outcome="refused"),
                "by action": by_action,
            }
        )

    def calls_cell(self) -> str:
        """The last run's calls; where runs differed, the range of the total."""
        if not self.calls:
            return "-"
        last = self.calls[-1]
        text = f"{last['total']} ({last['coded']} coded"
        text += f", {last['coded refused']} of them refused)" if last["coded refused"] else ")"
        text += ": " + ", ".join(f"{name} {count}" for name, count in sorted(last["by action"].items()))
        totals = sorted({entry["total"] for entry in self.calls})
        if len({json.dumps(entry, sort_keys=True) for entry in self.calls}) > 1:
            text += f"; varied between runs: {totals[0]} to {totals[-1]} calls"
        return text


def flows() -> list[Flow]:
    return [
        Flow("ours-session", "mfa.aws", "session + list", OURS_SESSION_PLAY, (OURS_SESSION, OURS_LIST)),
        Flow(
            "theirs-session",
            "community.aws + amazon.aws",
            "session + list",
            THEIRS_SESSION_PLAY,
            (THEIRS_SESSION, THEIRS_LIST),
        ),
        Flow("ours-role", "mfa.aws", "role with MFA", OURS_ROLE_PLAY, (OURS_ROLE,)),
        Flow("theirs-role", "amazon.aws", "role with MFA", THEIRS_ROLE_PLAY, (THEIRS_ROLE,)),
    ]


def measure(bench: Bench, world: World, hosts: int, forks: int, repeat: int) -> dict[str, Flow]:
    measured = {flow.key: flow for flow in flows()}
    role_arn = world.role_arns["admin"]
    for number in range(repeat + 1):
        keep = number > 0  # one warm-up round first
        for flow in measured.values():
            bench.clear_credentials_cache()
            extra_vars = {"mfa_serial": world.mfa_serial, "mfa_code": world.fresh_code(), "role_arn": role_arn}
            result = bench.run(flow.playbook, world=world, hosts=hosts, forks=forks, extra_vars=extra_vars)
            if keep:
                flow.record(result)
            times = ", ".join(
                f"{task.name.split(' with ')[1]} {seconds(task.wall)} ({task.count('ok')} ok)"
                for task in result.tasks
                if task.name in flow.tasks
            )
            print(
                f"  {hosts:>2} hosts, run {number}: {flow.key:<15} rc={result.rc} {times}; "
                f"{len(result.calls)} STS calls{'' if keep else '  (warm-up)'}",
                flush=True,
            )
    return measured


def tasks_table(by_hosts: dict[int, dict[str, Flow]]) -> str:
    rows = []
    for (hosts, forks), measured in zip(HOST_COUNTS, by_hosts.values(), strict=True):
        for flow in measured.values():
            for index, name in enumerate(flow.tasks):
                figures = flow.figures.get(name, TaskFigures())
                rows.append(
                    [
                        f"{hosts} / {forks}",
                        flow.job,
                        f"`{name.split(' with ')[1]}`",
                        median_min(figures.wall),
                        figures.hosts_cell(hosts),
                        flow.calls_cell() if index == 0 else "",
                    ]
                )
    headers = [
        "hosts / forks",
        "job",
        "task",
        "task wall, median / min",
        "hosts",
        "STS calls in the last run (coded, refused)",
    ]
    return table(headers, rows)


PAIRS = (
    ("MFA session", "ours-session", OURS_SESSION, "theirs-session", THEIRS_SESSION),
    ("bucket listing", "ours-session", OURS_LIST, "theirs-session", THEIRS_LIST),
    ("role with MFA", "ours-role", OURS_ROLE, "theirs-role", THEIRS_ROLE),
)


def comparison_table(by_hosts: dict[int, dict[str, Flow]]) -> str:
    rows = []
    for (hosts, _forks), measured in zip(HOST_COUNTS, by_hosts.values(), strict=True):
        for step, ours_flow, ours_task, theirs_flow, theirs_task in PAIRS:
            ours = measured[ours_flow].figures.get(ours_task, TaskFigures())
            theirs = measured[theirs_flow].figures.get(theirs_task, TaskFigures())
            like_for_like = theirs.ok and max(theirs.ok) == hosts and not max(theirs.failed)
            met = ours.wall.median is not None and theirs.wall.median and ours.wall.median <= GOAL * theirs.wall.median
            verdict = (
                ("yes" if met else "no")
                if like_for_like
                else (f"not comparable: theirs ran on {max(theirs.ok) if theirs.ok else 0} of {hosts} hosts")
            )
            rows.append(
                [
                    hosts,
                    step,
                    seconds(ours.wall.median),
                    seconds(theirs.wall.median),
                    ratio(ours.wall.median, theirs.wall.median),
                    verdict,
                ]
            )
        coded_ours = max(
            (entry["coded"] for key in ("ours-session", "ours-role") for entry in measured[key].calls), default=0
        )
        rows.append(
            [
                hosts,
                "coded STS calls per run, most in any run (ours: goal 1)",
                coded_ours,
                "",
                "",
                "yes" if coded_ours == 1 else "no",
            ]
        )
    headers = ["hosts", "step", "ours (median)", "theirs (median)", "ours / theirs", f"<= {GOAL:g}x"]
    return table(headers, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs of each flow (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the sandbox (playbooks, output, timings)")
    parser.add_argument("--buckets", type=int, default=1000, help="buckets in the world (default 1000)")
    arguments = parser.parse_args()
    require_tools()
    if third_party_collections() is None:
        raise SystemExit("amazon.aws is not installed beside this Python: pip install -r benchmarks/requirements.txt")
    machine = Machine.describe()
    report = Report(
        "versus_amazon_aws",
        "versus_amazon_aws: mfa.aws against amazon.aws and community.aws",
        f"One world: an IAM user whose policy requires MFA, {arguments.buckets:,} buckets, and a role `admin` in "
        "another account whose trust policy requires MFA. Local hosts (connection local), so a module of "
        "amazon.aws is packaged and run as it would be on a managed host, while mfa.aws runs its action plugins "
        "on the controller. Each flow ran "
        f"{arguments.repeat} times per host count, round-robin, after one warm-up round; every run got a fresh "
        "code and an empty credentials cache. Task wall time runs from the task's start to the controller "
        "receiving its last host's result (benchmarks/callback_plugins/bench_timer.py). STS calls are those the "
        "emulator answered during the run; a code works once, so of several calls carrying the same code "
        "all but the first are refused.",
        machine,
    )
    by_hosts: dict[int, dict[str, Flow]] = {}
    with workspace("versus_amazon_aws", arguments.keep) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            world = emulator.build_world(
                bucket_count=arguments.buckets, roles=[{"name": "admin", "requires_mfa": True}]
            )
            for hosts, forks in HOST_COUNTS:
                by_hosts[hosts] = measure(bench, world, hosts, forks, arguments.repeat)
        finally:
            bench.close()

    report.add("Every task", tasks_table(by_hosts))
    report.add("Goals: one coded call; each task <= 0.6x of theirs", comparison_table(by_hosts))
    messages = sorted(
        {
            f"- {flow.collection}, `{name.split(' with ')[1]}`: {message}"
            for measured in by_hosts.values()
            for flow in measured.values()
            for name, figures in flow.figures.items()
            for message in figures.messages
        }
    )
    if messages:
        report.add("Failures, as the tasks reported them", "\n".join(messages))
    report.write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

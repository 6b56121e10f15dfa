"""N local hosts from one machine: every host runs every task."""

import pytest

from tests.harness import TARGETS_GROUP, AnsibleRunner, host_names

PER_HOST = """
- hosts: all
  tasks:
    - mfa_aws_test_save:
        dest: "{{ lookup('env', 'MFA_AWS_TEST_RESULTS') }}/{{ inventory_hostname }}.json"
        value: "{{ {'host': inventory_hostname, 'groups': group_names} | to_json }}"
"""


def test_every_host_runs_the_task(ansible: AnsibleRunner) -> None:
    result = ansible.run(PER_HOST, hosts=4, forks=4).assert_ok()
    for name in ["host01", "host02", "host03", "host04"]:
        assert result.json(name) == {"host": name, "groups": [TARGETS_GROUP]}
    assert sorted(result.recap) == ["host01", "host02", "host03", "host04"]
    assert all(counts["ok"] == 1 and counts["failed"] == 0 for counts in result.recap.values())


def test_no_hosts_leaves_only_the_implicit_localhost(ansible: AnsibleRunner) -> None:
    result = ansible.run(PER_HOST.replace("hosts: all", "hosts: localhost")).assert_ok()
    assert list(result.recap) == ["localhost"]


@pytest.mark.parametrize(
    ("count", "first", "last"),
    [(1, "host01", "host01"), (12, "host01", "host12"), (100, "host001", "host100")],
)
def test_host_names_sort_in_order(count: int, first: str, last: str) -> None:
    names = host_names(count)
    assert (names[0], names[-1], len(names)) == (first, last, count)
    assert names == sorted(names)

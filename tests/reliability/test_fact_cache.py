"""A persistent fact cache never holds the secret key or token; the registered result still works."""

import pytest

from tests.playbooks.plays import mfa, mfa_role, play, task
from tests.reliability.support import ROLE, SESSION, assert_clean_success

LIST = "mfa.aws.s3_bucket_list"


def registered_credentials(name: str) -> dict[str, str]:
    return {
        "access_key": f"{{{{ {name}.credentials.access_key }}}}",
        "secret_key": f"{{{{ {name}.credentials.secret_key }}}}",
        "session_token": f"{{{{ {name}.credentials.session_token }}}}",
    }


@pytest.mark.parametrize("module", [SESSION, ROLE])
def test_a_jsonfile_fact_cache_gets_no_secret(ansible, world, tmp_path, module):
    facts = tmp_path / "facts"
    options = mfa(world)
    if module == ROLE:
        options["role_arn"] = mfa_role(world).arn
    steps = play(
        task("ansible.builtin.set_fact", {"cached_marker": "kept", "cacheable": True}),
        task(module, options, "bought"),
        task(LIST, registered_credentials("bought"), "listing"),
        hosts="all",
        save=("listing",),
    )
    env = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(facts)}
    result = assert_clean_success(ansible.run(steps, world=world, hosts=3, forks=3, env=env))
    assert result.json("host01-listing")["count"] >= 0
    cached = "".join(path.read_text() for path in facts.iterdir())
    assert "cached_marker" in cached, "the fact cache kept nothing: the test would prove nothing"
    assert len(list(facts.iterdir())) == 3  # one file per host
    # What the STS call returned is not in any cached fact. (ansible-core 2.19 and later keep the facts as a JSON
    # string inside the file's JSON, its quotes escaped: look for the bare names and the issued secrets themselves.)
    for name in ("secret_key", "session_token"):
        assert name not in cached
    for secret in world.emulator.issued_secret_keys():
        assert secret not in cached
    assert "the fact cache (jsonfile) would keep them on disk" in result.output
    assert result.count(coded=True) == 1


def test_the_memory_fact_cache_keeps_the_fact(ansible, world):
    steps = play(
        task(SESSION, mfa(world)),
        task(LIST, {key: f"{{{{ aws_mfa_session.{key} }}}}" for key in ("access_key", "secret_key", "session_token")}),
    )
    result = assert_clean_success(ansible.run(steps, world=world))
    assert "fact cache" not in result.output

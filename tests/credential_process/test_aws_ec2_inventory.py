"""amazon.aws' aws_ec2 inventory on a credential_process profile: hosts in two regions, at most one prompt,
then a playbook over them whose tasks take the session from a lookup, asking nothing more."""

import json
import sysconfig

import boto3
import yaml

from tests.credential_process.terminal import run_on_terminal

INSTANCES_PER_REGION = 2
# Any image ID: moto checks none by default, and listing its thousands of images to pick one cost seconds.
IMAGE = "ami-0123456789abcdef0"


def plain(value):
    """ansible-inventory marks the values an inventory plugin read from AWS as unsafe: {"__ansible_unsafe": ...}."""
    return value["__ansible_unsafe"] if isinstance(value, dict) else value


def launch_instances(emulator, world, regions):
    """Instances in the world's account, made with the user's keys (the emulator passes EC2 to moto as is)."""
    launched = {}
    for region in regions:
        ec2 = ec2_in(emulator, world, region)
        started = ec2.run_instances(
            ImageId=IMAGE, MinCount=INSTANCES_PER_REGION, MaxCount=INSTANCES_PER_REGION, InstanceType="t3.micro"
        )
        launched[region] = sorted(instance["InstanceId"] for instance in started["Instances"])
    return launched


def ec2_in(emulator, world, region):
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=world.access_key_id,
        aws_secret_access_key=world.secret_access_key,
    )


def tagged(emulator, world, regions):
    """The instances the playbook tagged, by region."""
    found = {}
    for region in regions:
        reservations = ec2_in(emulator, world, region).describe_instances(
            Filters=[{"Name": "tag:patched", "Values": ["yes"]}]
        )["Reservations"]
        found[region] = sorted(instance["InstanceId"] for each in reservations for instance in each["Instances"])
    return found


def test_aws_ec2_finds_every_region_s_hosts_with_one_prompt_then_the_playbook_asks_nothing(
    ansible, emulator, setup, world, tmp_path
):
    regions = yaml.safe_load(setup.inventory)["regions"]
    assert len(regions) == 2
    launched = launch_instances(emulator, world, regions)
    inventory = tmp_path / "aws_ec2.yml"
    inventory.write_text(setup.inventory, encoding="utf-8")
    playbook = tmp_path / "site.yml"
    playbook.write_text(setup.playbook, encoding="utf-8")
    # The sandbox sees only mfa.aws; amazon.aws comes with the `ansible` package, in site-packages.
    setup.env["ANSIBLE_COLLECTIONS_PATH"] += ":" + sysconfig.get_paths()["purelib"]

    listed = run_on_terminal(
        setup.tool("ansible-inventory", "-i", str(inventory), "--list"), setup.env, answer=world.totp, cwd=str(tmp_path)
    )
    assert listed.rc == 0, listed.describe()
    assert listed.prompts == 1, listed.describe()
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    found = {}
    for host in hostvars.values():
        found.setdefault(plain(host["placement"]["region"]), []).append(plain(host["instance_id"]))
    assert {region: sorted(ids) for region, ids in found.items()} == launched
    assert len(world.calls(coded=True)) == 1

    played = run_on_terminal(
        setup.tool("ansible-playbook", "-i", str(inventory), str(playbook)), setup.env, cwd=str(tmp_path)
    )
    assert (played.rc, played.prompts) == (0, 0), played.describe()
    assert played.stdout.count("ok=1 ") == len(hostvars), played.describe()
    assert tagged(emulator, world, regions) == launched
    assert len(world.calls(coded=True)) == 1

"""The regions a request may be signed for: the aws partition's, where the service is offered.

The emulator's one address stands for every region's endpoint, as AWS_ENDPOINT_URL makes botocore send
every region's requests to one address; a request is taken as sent to the region its credential scope
names. A region AWS does not have is refused, as every real endpoint refuses it.
"""

import functools

import botocore.session


@functools.cache
def regions(service: str) -> frozenset[str]:
    return frozenset(botocore.session.get_session().get_available_regions(service, partition_name="aws"))

"""Lists every bucket with boto3 alone, in this one process, and prints how long each part took, as JSON.

The baseline of benchmarks.s3_listing: `python -m benchmarks._raw_list_buckets` with the credentials,
region and endpoint in AWS_* environment variables; BENCH_PAGE_SIZE sets MaxBuckets (default 10000).
"""

import json
import os
import resource
import sys
import time


def main() -> int:
    started = time.perf_counter()
    # Imported here: the import is part of what is timed.
    import boto3

    imported = time.perf_counter()
    client = boto3.client("s3")
    made = time.perf_counter()
    paginator = client.get_paginator("list_buckets")
    page_size = int(os.environ.get("BENCH_PAGE_SIZE", "10000"))
    buckets = []
    pages = 0
    for page in paginator.paginate(PaginationConfig={"PageSize": page_size}):
        pages += 1
        buckets.extend(page.get("Buckets", []))
    listed = time.perf_counter()
    answer = {
        "count": len(buckets),
        "pages": pages,
        "import": imported - started,
        "client": made - imported,
        "list": listed - made,
        "total": listed - started,
        "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

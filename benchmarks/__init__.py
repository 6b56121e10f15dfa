"""Benchmarks of the collection against the local AWS emulator: scripts that print and record tables.

Run each from the checkout with a Python that has requirements.txt beside this file installed:

    python -m benchmarks.fanout
    python -m benchmarks.s3_listing
    python -m benchmarks.versus_amazon_aws

See benchmarks/README.md for what each one measures.
"""

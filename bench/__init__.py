"""Benchmarks of the routing engine; run as modules (``python -m bench.market``)."""

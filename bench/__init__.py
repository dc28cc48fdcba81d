"""Benchmarks of the portal's hot paths: `python -m bench` (`make bench`) runs every bench_*.py module."""

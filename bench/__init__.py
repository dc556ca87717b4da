"""Benchmarks (issue 8): `make bench`. Not part of `make test`."""

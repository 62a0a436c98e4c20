"""Benchmarks: timed scenarios run by hand (`make bench`), never by the test suite. See benchmarks/README.md."""

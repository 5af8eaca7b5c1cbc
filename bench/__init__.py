"""Benchmark scripts (run as `python bench/NAME.py`); `bench.synth` is shared with the tests."""

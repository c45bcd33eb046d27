"""Benchmarks that write JSON results under bench/results/."""

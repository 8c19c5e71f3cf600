"""Scripts run in fresh interpreters by the benchmarks (each prints one JSON object)."""

"""crsync's end-to-end benchmark suite and performance gate (bench/README.md).

Modules: corpus (deterministic trees), measure (fork/exec + wait4 rusage),
scenarios (what is run), runner (alternating repetitions, medians, ratios),
report (JSON, markdown, PNG), gate (baseline build vs candidate build)."""

"""Performance figures for pulumi-cloudflare-workflows: `make bench` (`python -m benchmarks.run`).

Figures are measured and written to `benchmarks/results/latest.json` (and `latest.md`); nothing here asserts
on a timing. See benchmarks/README.md.
"""

"""`make bench`: run every benchmark section and write benchmarks/results/latest.json and latest.md.

Figures are recorded, never asserted: the exit code is 1 only when a section crashed or something it
measured went wrong (an engine operation failed, a request answered an error), so the figures would mislead.
A fault-injection cycle that gives up is a measured outcome, not an error.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import (
    bench_api,
    bench_calls,
    bench_engine_build,
    bench_faults,
    bench_imports,
    bench_preview,
    bench_ratelimit,
    bench_runtime,
    bench_scale,
    bench_serialize,
    bench_state,
)
from .common import Section, loadavg, machine

RESULTS = Path(__file__).resolve().parent / "results"

SECTIONS: dict[str, Callable[[], Section]] = {
    "engine_build": bench_engine_build.run,
    "imports": bench_imports.run,
    "provider_size": bench_serialize.run,
    "engine": bench_preview.run,
    "api": bench_api.run,
    "faults": bench_faults.run,
    "calls": bench_calls.run,
    "state": bench_state.run,
    "ratelimit": bench_ratelimit.run,
    "runtime": bench_runtime.run,
    "scale": bench_scale.run,
}


def run_section(key: str, fn: Callable[[], Section]) -> Section:
    print(f"[bench] {key} ...", flush=True)
    started = time.perf_counter()
    try:
        section = fn()
    except Exception:
        section = Section(key, errors=[traceback.format_exc()])
    section.seconds = time.perf_counter() - started
    status = "ok" if not section.errors else f"{len(section.errors)} error(s)"
    print(f"[bench] {key}: {section.seconds:.1f} s, {status}", flush=True)
    return section


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmarks: latest run",
        "",
        f"Generated {report['generated_at']} in {report['runtime_s']:.1f} s by `make bench` "
        f"(`python -m benchmarks.run`); commit `{m['git_commit'] or 'unknown'}`.",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_total_mib']} MiB, {m['python']}, "
        f"{m['platform']}; load average (1 min) {m['loadavg_1m_at_start']} at start, "
        f"{m['loadavg_1m_at_end']} at end.",
        "Figures are medians of n runs (min / max alongside; p95 is nearest-rank). They are recorded, never "
        "asserted. See benchmarks/README.md for what each one means.",
        "",
    ]
    for key, section in report["sections"].items():
        lines += [f"## {section['title']} (`{key}`, {section['seconds']:.1f} s)", ""]
        if section["figures"]:
            lines += [
                "| figure | median | min | max | p95 | unit | n |",
                "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
            ]
            for f in section["figures"]:
                cells = [_fmt(f.get(k, "")) for k in ("median", "min", "max", "p95")]
                lines.append(f"| `{f['name']}` | {' | '.join(cells)} | {f['unit']} | {f['n']} |")
            lines.append("")
        if section["facts"]:
            lines += ["| fact | value |", "| --- | --- |"]
            lines += [f"| {f['what']} (`{f['name']}`) | {_fmt(f['value'])} |" for f in section["facts"]]
            lines.append("")
        if key == "faults" and section["details"].get("runs"):
            lines += [
                "| rate | seed | ok | wall s | requests | faults (+ slow) | kinds | account empty after |",
                "| ---: | ---: | --- | ---: | ---: | ---: | --- | --- |",
            ]
            for r in section["details"]["runs"]:
                kinds = ", ".join(f"{k}x{v}" for k, v in sorted(r["fault_kinds"].items())) or "-"
                lines.append(
                    f"| {r['rate']:g} | {r['seed']} | {'yes' if r['ok'] else 'NO: ' + r['error'][:120]} | "
                    f"{r['seconds']:.2f} | {r['requests']} | {r['faults']} (+{r['slow']}) | {kinds} | "
                    f"{r['account_empty_after']} |"
                )
            lines.append("")
        for error in section["errors"]:
            lines += ["**Error:**", "", "```", error.strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure and write benchmarks/results/latest.{json,md}.")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SECTIONS),
        help="run only this section (repeatable); the files then hold only the sections run",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for latest.json and latest.md")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    host = machine()
    generated = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    keys = [k for k in SECTIONS if not args.only or k in args.only]
    sections = {key: run_section(key, SECTIONS[key]) for key in keys}
    report = {
        "schema": 1,
        "generated_at": generated,
        "runtime_s": round(time.perf_counter() - started, 2),
        "machine": {**host, "loadavg_1m_at_end": loadavg()},
        "sections": {key: s.to_json() for key, s in sections.items()},
        "errors": [f"{key}: {e.strip().splitlines()[-1]}" for key, s in sections.items() for e in s.errors],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    summary = markdown(report)
    (args.out / "latest.md").write_text(summary)
    print(summary)
    print(f"[bench] wrote {args.out / 'latest.json'} and {args.out / 'latest.md'}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

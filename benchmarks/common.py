"""What every benchmark section shares: figures, facts, summary statistics, the machine. (The Worker scripts
the sections deploy are the tests' own, from `sample_scripts`.)"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): the smallest sample >= pct% of all samples."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figure:
    """One measured quantity: its samples and what they mean."""

    name: str
    what: str
    unit: str
    samples: list[float]
    with_p95: bool = False
    digits: int = 3

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "what": self.what,
            "unit": self.unit,
            "n": len(self.samples),
        }
        if self.samples:
            out["median"] = round(statistics.median(self.samples), self.digits)
            out["min"] = round(min(self.samples), self.digits)
            out["max"] = round(max(self.samples), self.digits)
            if self.with_p95:
                out["p95"] = round(percentile(self.samples, 95), self.digits)
        out["samples"] = [round(s, self.digits) for s in self.samples]
        return out


@dataclass
class Fact:
    """A measured yes/no or count that is not a distribution (e.g. "httpx is imported lazily")."""

    name: str
    what: str
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "what": self.what, "value": self.value}


@dataclass
class Section:
    """The result of one benchmark module."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, *args: Any, **kwargs: Any) -> Figure:
        fig = Figure(*args, **kwargs)
        self.figures.append(fig)
        return fig

    def counts(self, name: str, what: str, unit: str, counts: list[int]) -> Figure:
        """A figure of whole numbers (requests counted per run): no decimals."""
        return self.figure(name, what, unit, [float(c) for c in counts], digits=0)

    def fact(self, name: str, what: str, value: Any) -> None:
        self.facts.append(Fact(name, what, value))

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "seconds": round(self.seconds, 2),
            "figures": [f.to_json() for f in self.figures],
            "facts": [f.to_json() for f in self.facts],
            "details": self.details,
            "errors": self.errors,
        }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_mib() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """HEAD's commit, read-only (`git rev-parse`); None outside a checkout."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def loadavg() -> float | None:
    """The 1-minute load average: other work on the machine skews every timing."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def machine() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "nproc": affinity or os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_total_mib": _mem_total_mib(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "versions": {d: _version(d) for d in ("pulumi", "httpx", "grpcio", "werkzeug")},
        "git_commit": _git_commit(),
        "loadavg_1m_at_start": loadavg(),
    }

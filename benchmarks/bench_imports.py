"""1. Provider process cost: wall time and peak RSS of a Python process that imports the provider modules,
against one that imports `pulumi.dynamic` alone (what every dynamic-provider process loads anyway), plus
which heavy modules the provider import pulls in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from .common import ROOT, Section

N = 5
PROVIDER_IMPORT = (
    "import pulumi_cloudflare_workflows_provider.workflow, pulumi_cloudflare_workflows_provider.worker"
)
VARIANTS = {
    "interpreter": "pass",
    "pulumi_dynamic": "import pulumi.dynamic",
    "provider": PROVIDER_IMPORT,
}

PROBE = f"""
import importlib.util, json, sys, time
import pulumi.dynamic
before = set(sys.modules)
started = time.perf_counter()
{PROVIDER_IMPORT}
incremental_ms = (time.perf_counter() - started) * 1000
added = sorted(set(sys.modules) - before)
print(json.dumps({{
    "pulumi_cloudflare": "pulumi_cloudflare" in sys.modules,
    "httpx": "httpx" in sys.modules,
    "pulumi_cloudflare_installed": importlib.util.find_spec("pulumi_cloudflare") is not None,
    "httpx_installed": importlib.util.find_spec("httpx") is not None,
    "modules_total": len(sys.modules),
    "added_top_level": sorted({{m.split(".")[0] for m in added}}),
    "added_count": len(added),
    "incremental_ms": incremental_ms,
}}))
"""


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run must leave .pyc files behind
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


HWM = """
with open("/proc/self/status") as _status:
    print(next(line.split()[1] for line in _status if line.startswith("VmHWM:")))
"""


@dataclass
class Sample:
    wall_ms: float
    cpu_ms: float
    peak_rss_mib: float


def measure(code: str) -> Sample:
    """Wall time (spawn to exit), CPU time (user + sys, from wait4) and peak RSS of `python -c code`.

    The peak is the child's own VmHWM, printed as its last act: wait4()'s ru_maxrss would report this
    benchmark's RSS instead, because Linux carries the forking process's high-water mark across exec."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code + "\n" + HWM],
        cwd=ROOT,
        env=_child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)  # the output is one short line: the pipes cannot fill up
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"`python -c {code!r}` exited with {proc.returncode}: {err.decode()[-2000:]}")
    return Sample(elapsed * 1000, (usage.ru_utime + usage.ru_stime) * 1000, int(out.split()[-1]) / 1024)


def run() -> Section:
    section = Section("Provider process cost")
    samples: dict[str, list[Sample]] = {key: [] for key in VARIANTS}
    for code in VARIANTS.values():
        measure(code)  # warm-up: compiles and caches .pyc, fills the page cache
    # Interleaved rounds, so that load from other processes hits every variant alike and round i of one
    # variant can be compared with round i of another.
    for _ in range(N):
        for key, code in VARIANTS.items():
            samples[key].append(measure(code))
    labels = {
        "interpreter": "`python -c pass` (interpreter start-up, the floor)",
        "pulumi_dynamic": "`python -c 'import pulumi.dynamic'`",
        "provider": f"`python -c '{PROVIDER_IMPORT}'`",
    }
    for key in VARIANTS:
        runs = samples[key]
        section.figure(
            f"import.{key}.wall", f"wall time of {labels[key]}, warm .pyc", "ms", [s.wall_ms for s in runs]
        )
        section.figure(
            f"import.{key}.cpu", f"CPU time (user + sys) of {labels[key]}", "ms", [s.cpu_ms for s in runs]
        )
        section.figure(
            f"import.{key}.peak_rss",
            f"peak RSS (the child's VmHWM) of {labels[key]}",
            "MiB",
            [s.peak_rss_mib for s in runs],
            digits=1,
        )
    pairs = list(zip(samples["provider"], samples["pulumi_dynamic"], strict=True))
    section.figure(
        "import.provider_minus_pulumi_dynamic.wall",
        "per-round difference of wall time, provider - pulumi.dynamic (round i against round i)",
        "ms",
        [p.wall_ms - d.wall_ms for p, d in pairs],
    )
    section.figure(
        "import.provider_minus_pulumi_dynamic.cpu",
        "per-round difference of CPU time, provider - pulumi.dynamic",
        "ms",
        [p.cpu_ms - d.cpu_ms for p, d in pairs],
    )
    section.figure(
        "import.provider_minus_pulumi_dynamic.peak_rss",
        "per-round difference of peak RSS, provider - pulumi.dynamic",
        "MiB",
        [p.peak_rss_mib - d.peak_rss_mib for p, d in pairs],
        digits=1,
    )

    probes = []
    for _ in range(N):
        probe = subprocess.run(
            [sys.executable, "-c", PROBE],
            cwd=ROOT,
            env=_child_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode != 0:
            section.errors.append(f"import probe failed: {probe.stderr[-2000:]}")
            return section
        probes.append(json.loads(probe.stdout))
    section.figure(
        "import.provider_incremental.in_process",
        "time of the provider import statement alone, in a process that has already imported pulumi.dynamic "
        "(perf_counter around the import; the least noisy measure of the provider's own import cost)",
        "ms",
        [p["incremental_ms"] for p in probes],
    )
    found = probes[0]

    section.fact(
        "import.pulumi_cloudflare_absent",
        "`pulumi_cloudflare` is NOT in sys.modules after importing the provider modules",
        not found["pulumi_cloudflare"],
    )
    section.fact(
        "import.httpx_absent",
        "`httpx` is NOT in sys.modules after importing the provider modules (httpx is imported lazily)",
        not found["httpx"],
    )
    section.fact(
        "import.pulumi_cloudflare_installed",
        "whether `pulumi_cloudflare` is installed at all (if not, its absence proves less)",
        found["pulumi_cloudflare_installed"],
    )
    section.fact(
        "import.modules_added",
        "modules added to sys.modules by the provider import on top of `import pulumi.dynamic`",
        found["added_count"],
    )
    section.fact(
        "import.top_level_packages_added",
        "top-level packages among them",
        found["added_top_level"],
    )
    return section

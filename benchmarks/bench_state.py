"""State size: what one Worker hosting one Workflow (examples/minimal) weighs in the checkpoint, and what a
Worker whose module is ~1 MB costs (checkpoint bytes, copies of the script, time of preview and up).

Both stacks run through the real `pulumi` engine against cloudflare-local, each on a fresh account and a fresh
`file://` backend. Every `up` is `pulumi up --yes`, its preview included, as a person runs it. The first up
of each is timed once; then ROUNDS rounds of no-change preview, no-change up and one-line change + up, each
operation on both stacks in turn (so load from elsewhere hits both alike). Read the timings beside the
machine's load average.

Why "the source, a hash, or both" is a real choice (the figures in `details["decision_inputs"]` weigh it):
the Worker keeps the whole script in its inputs AND in its outputs today. The two copies serve different
readers:

- the engine builds `pulumi preview --diff` from the old and new *inputs*: the provider's `diff` answers
  DIFF_UNKNOWN (`changes=None`, provider/base.py), and pulumi/pulumi pkg/resource/deploy/step_generator.go
  `diffResource` then computes the detailed diff as `oldInputs.Diff(newInputs)`; so the script's text diff
  shown to a reviewer needs the source in the inputs;
- the Python dynamic provider's `diff(id, olds, news)` receives the old *outputs* (pulumi/dynamic/__main__.py
  `Diff` deserialises `request.olds`, which the engine fills with the old outputs), as do `update` and
  `delete`; so outputs holding a sha256 instead of the script would have `diff` compare the hash of the new
  script with the stored hash.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudflare_local.process import CloudflareLocalServer
from pulumi_offline import OperationResult, Stack, engine_version

from .common import ROOT, TOKEN, Section

EXAMPLE = ROOT / "examples" / "minimal"
STACK = "bench"
WORKER_TYPE = "pulumi-python:dynamic/cloudflare:Worker"
WORKFLOW_TYPE = "pulumi-python:dynamic/cloudflare:Workflow"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
LABELS = ("Worker", "Workflow", "Stack", "provider")

LARGE_TARGET = 1_000_000
# A line of the padding the one-line change leaves alone, to count the script's copies on disk.
MARKER = "pad-03000"
ROUNDS = 3


def label(resource_type: str) -> str:
    if resource_type == WORKER_TYPE:
        return "Worker"
    if resource_type == WORKFLOW_TYPE:
        return "Workflow"
    if resource_type == STACK_TYPE:
        return "Stack"
    if resource_type.startswith(PROVIDER_PREFIX):
        return "provider"
    return resource_type


def go_json(value: Any, indent: int | None = None) -> bytes:
    """`value` encoded the way the engine writes its checkpoint and `stack export` (Go's encoding/json with
    HTML escaping off): UTF-8 unescaped, U+2028 and U+2029 escaped (they occur only inside JSON strings, so a
    textual replacement is exact)."""
    if indent is None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode()


def large_module(host: str, target: int = LARGE_TARGET) -> str:
    """The host script plus deterministic small functions (never called), exactly `target` bytes long."""
    parts = [host, "\n// Padding to ~1 MB: deterministic small functions (benchmarks/bench_state.py).\n"]
    size = sum(len(p.encode()) for p in parts)
    i = 0
    while True:
        chunk = (
            f"function pad{i:05d}(value) {{\n"
            f'  const tag = "pad-{i:05d}";\n'
            f"  return tag.length + value * {i % 97};\n"
            "}\n"
        )
        if size + len(chunk) + 3 > target:
            break
        parts.append(chunk)
        size += len(chunk)
        i += 1
    parts.append("//" + "-" * (target - size - 3) + "\n")
    module = "".join(parts)
    assert len(module.encode()) == target, len(module.encode())
    return module


def dir_bytes(path: Path, skip: str = ".pulumi-home") -> int:
    """Bytes of every file under `path` (the backend's state; the CLI's home with its logs is left out)."""
    total = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != skip]
        total += sum((Path(root) / f).stat().st_size for f in files)
    return total


def backend_files(path: Path, skip: str = ".pulumi-home") -> list[Path]:
    out: list[Path] = []
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != skip]
        out += [Path(root) / f for f in files]
    return sorted(out)


def checkpoint_file(backend: Path, project: str) -> Path:
    return backend / ".pulumi" / "stacks" / project / f"{STACK}.json"


def count_equal(value: Any, target: str) -> int:
    """How many strings in a parsed JSON document are exactly `target`."""
    if isinstance(value, str):
        return int(value == target)
    if isinstance(value, dict):
        return sum(count_equal(v, target) for v in value.values())
    if isinstance(value, list):
        return sum(count_equal(v, target) for v in value)
    return 0


def resources_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of an export (`deployment`) or of an on-disk checkpoint (`checkpoint.latest`)."""
    deployment = document["deployment"] if "deployment" in document else document["checkpoint"]["latest"]
    resources: list[dict[str, Any]] = deployment.get("resources") or []
    return resources


def with_hashes(document: dict[str, Any], inputs_too: bool) -> dict[str, Any]:
    """A copy of the document whose Workers hold sha256(script) (64 hex characters) in place of the script in
    their outputs (and in their inputs with `inputs_too`)."""
    out = copy.deepcopy(document)
    for resource in resources_of(out):
        if resource.get("type") != WORKER_TYPE:
            continue
        places = ("outputs", "inputs") if inputs_too else ("outputs",)
        for place in places:
            props = resource.get(place) or {}
            if isinstance(props.get("script"), str):
                props["script"] = hashlib.sha256(props["script"].encode()).hexdigest()
    return out


def worker_of(document: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in resources_of(document) if r.get("type") == WORKER_TYPE)


def weigh(export: dict[str, Any], checkpoint: dict[str, Any]) -> dict[str, Any]:
    """What the export and the on-disk checkpoint weigh as they are, with the outputs' script replaced by its
    sha256, and with both copies replaced (Go's encoding, so the first row equals the real files)."""
    variants = {
        "source_in_inputs_and_outputs (today)": (export, checkpoint),
        "source_in_inputs_sha256_in_outputs": (
            with_hashes(export, inputs_too=False),
            with_hashes(checkpoint, inputs_too=False),
        ),
        "sha256_in_inputs_and_outputs": (
            with_hashes(export, inputs_too=True),
            with_hashes(checkpoint, inputs_too=True),
        ),
    }
    out: dict[str, Any] = {}
    for name, (exp, chk) in variants.items():
        checkpoint_bytes = len(go_json(chk))
        out[name] = {
            "stack_export_bytes": len(go_json(exp, indent=4)) + 1,  # `stack export` ends with a newline
            "checkpoint_file_bytes": checkpoint_bytes,
            "worker_resource_bytes": len(json.dumps(worker_of(exp))),
            # Each `up` (even one with no change) leaves a backups/ copy and a history/ checkpoint behind.
            "approx_backend_growth_per_up_bytes": 2 * checkpoint_bytes,
        }
    return out


class Measured:
    """One stack of a copied example: timed operations (samples per operation) and what its state weighs."""

    def __init__(self, server: CloudflareLocalServer, work: Path, key: str, module: str | None) -> None:
        self.key = key
        self.project = work / key
        ignore = shutil.ignore_patterns(".pulumi-offline", "Pulumi.*.yaml")
        shutil.copytree(EXAMPLE, self.project, ignore=ignore)
        self.script_path = self.project / "workers" / "worker.mjs"
        if module is not None:
            self.script_path.write_text(module)
        self.module_bytes = len(self.script_path.read_bytes())
        self.backend = work / f"state-{key}"
        self.stack = Stack(self.project, stack=STACK, env=server.env(uuid.uuid4().hex), backend=self.backend)
        self.timings: dict[str, list[float]] = {}
        self.results: list[dict[str, Any]] = []
        self.ups = 0
        self.state: dict[str, Any] = {}

    def time(self, op: str, fn: Callable[[Stack], OperationResult], errors: list[str]) -> bool:
        started = time.perf_counter()
        result = fn(self.stack)
        elapsed = time.perf_counter() - started
        self.timings.setdefault(op, []).append(elapsed)
        self.ups += op.startswith("up")
        entry: dict[str, Any] = {
            "op": op,
            "seconds": round(elapsed, 3),
            "ok": result.ok,
            "summary": dict(result.summary),
            "backend_bytes_after": dir_bytes(self.backend),
        }
        if not result.ok:
            entry["error"] = result.error
            errors.append(f"{self.key}: `{op}` failed: {result.error}")
        self.results.append(entry)
        return result.ok

    def export(self) -> tuple[bytes, dict[str, Any]]:
        raw = self.stack.run("stack", "export").stdout.encode()
        return raw, json.loads(raw)

    def checkpoint(self) -> tuple[bytes, dict[str, Any]]:
        raw = checkpoint_file(self.backend, self.stack.project).read_bytes()
        return raw, json.loads(raw)

    def up_new(self, errors: list[str]) -> bool:
        """The first up, then the state it left (export and the on-disk checkpoint)."""
        if not self.time("up_new", lambda s: s.up(), errors):
            return False
        export_raw, export = self.export()
        checkpoint_raw, checkpoint = self.checkpoint()
        self.state = {
            "export_raw": export_raw,
            "export": export,
            "checkpoint_raw": checkpoint_raw,
            "checkpoint": checkpoint,
        }
        return True

    def change_one_line(self, round_: int) -> None:
        """A different line each round: one padding function's tag (large), an appended comment (minimal)."""
        text = self.script_path.read_text()
        old = f'const tag = "pad-{5000 + round_:05d}";'
        if old in text:
            self.script_path.write_text(text.replace(old, old.replace('";', '-changed";'), 1))
        else:
            self.script_path.write_text(text + f"// line {round_} changed by benchmarks/bench_state.py\n")


STEADY: list[tuple[str, Callable[[Stack], OperationResult]]] = [
    ("preview_no_change", lambda s: s.preview(expect_no_changes=True)),
    ("up_no_change", lambda s: s.up(expect_no_changes=True)),
    ("up_one_line", lambda s: s.up()),
]


def steady_rounds(stacks: list[Measured], errors: list[str]) -> None:
    """ROUNDS rounds of no-change preview, no-change up and one-line change + up, each operation run on
    every stack in turn (so load from elsewhere hits the small and the large stack alike)."""
    for round_ in range(ROUNDS):
        for op, fn in STEADY:
            for m in stacks:
                if op == "up_one_line":
                    m.change_one_line(round_)
                if not m.time(op, fn, errors):
                    return


def per_type_bytes(export: dict[str, Any]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for resource in resources_of(export):
        key = label(str(resource.get("type")))
        sizes[key] = sizes.get(key, 0) + len(json.dumps(resource))
    return sizes


def script_bytes(export: dict[str, Any]) -> dict[str, int]:
    """Bytes the Worker's script takes in inputs and outputs: as a JSON string (quotes, escapes) and raw."""
    worker = worker_of(export)
    out: dict[str, int] = {}
    for place in ("inputs", "outputs"):
        script = (worker.get(place) or {}).get("script")
        out[f"{place}_json"] = len(json.dumps(script)) if isinstance(script, str) else 0
        out[f"{place}_raw"] = len(script.encode()) if isinstance(script, str) else 0
    return out


def record(section: Section, m: Measured) -> dict[str, Any]:
    key, state = m.key, m.state
    what_module = f"the {key} stack (examples/minimal, Worker module {m.module_bytes:,} bytes)"
    times = {
        "up_new": "`pulumi up --yes` of the new stack (its preview included)",
        "preview_no_change": "`pulumi preview --expect-no-changes`",
        "up_no_change": "`pulumi up --yes --expect-no-changes` (its preview included)",
        "up_one_line": "`pulumi up --yes` after changing one line of the Worker's script (a different line "
        "each round)",
    }
    for op, what in times.items():
        if op in m.timings:
            what_run = f"{what}, {what_module}: the whole CLI run"
            section.figure(f"state.{key}.{op}.wall", what_run, "s", m.timings[op])
    if not state:
        return {"module_bytes": m.module_bytes, "operations": m.results}
    export, checkpoint = state["export"], state["checkpoint"]
    section.counts(
        f"state.{key}.export_bytes",
        f"`pulumi stack export` output after the first up of {what_module}",
        "bytes",
        [len(state["export_raw"])],
    )
    section.counts(
        f"state.{key}.checkpoint_bytes",
        f"the checkpoint file on the file backend (.pulumi/stacks/<project>/{STACK}.json) after the first "
        f"up of {what_module}",
        "bytes",
        [len(state["checkpoint_raw"])],
    )
    sizes = per_type_bytes(export)
    for name in LABELS:
        if name in sizes:
            section.counts(
                f"state.{key}.resource_bytes.{name}",
                f"json.dumps of the {name} resource in the export's deployment.resources, {what_module}",
                "bytes",
                [sizes[name]],
            )
    scripts = script_bytes(export)
    for place in ("inputs", "outputs"):
        section.counts(
            f"state.{key}.worker_script_bytes.{place}",
            f"bytes the Worker's script takes in its {place} (a JSON string: quotes and escapes included), "
            f"{what_module}",
            "bytes",
            [scripts[f"{place}_json"]],
        )
    script = (worker_of(export).get("inputs") or {}).get("script") or ""
    copies_export = count_equal(export, script)
    section.fact(
        f"state.{key}.script_copies_in_export",
        f"strings equal to the whole Worker script in `stack export`, {what_module}",
        copies_export,
    )
    on_disk: dict[str, int] = {}
    if MARKER in script:
        marker = MARKER.encode()
        for path in backend_files(m.backend):
            hits = path.read_bytes().count(marker)
            if hits:
                on_disk[str(path.relative_to(m.backend))] = hits
        section.fact(
            f"state.{key}.script_copies_on_backend",
            f"copies of the 1 MB script in the file backend's files after {m.ups} `up`s (occurrences of a "
            f"padding line, {MARKER}, that no update changed)",
            sum(on_disk.values()),
        )
    growth = [
        after["backend_bytes_after"] - before["backend_bytes_after"]
        for before, after in zip(m.results, m.results[1:], strict=False)
        if after["op"].startswith("up") and after["ok"]
    ]
    first = m.results[0]["backend_bytes_after"]
    section.counts(
        f"state.{key}.backend_bytes.after_first_up",
        f"bytes of the whole file backend (checkpoint, .bak, backups/, history/; not the CLI's logs) after "
        f"the first up of {what_module}",
        "bytes",
        [first],
    )
    section.counts(
        f"state.{key}.backend_bytes.growth_per_up",
        f"bytes the file backend grows by with each later `up` (no-change or one-line; a backups/ copy and a "
        f"history/ checkpoint each), {what_module}",
        "bytes",
        growth,
    )
    exact = {
        "stack_export": go_json(export, indent=4) + b"\n" == state["export_raw"],
        "checkpoint_file": go_json(checkpoint) == state["checkpoint_raw"],
    }
    return {
        "module_bytes": m.module_bytes,
        "operations": m.results,
        "resource_bytes": sizes,
        "worker_script_bytes": scripts,
        "script_copies_in_export": copies_export,
        "script_copies_on_backend_files": on_disk,
        "backend_growth_per_up_bytes": growth,
        "go_encoding_reproduces": exact,
    }


def run() -> Section:
    section = Section(f"State size: the Worker's script in the checkpoint (pulumi {engine_version()})")
    work = Path(tempfile.mkdtemp(prefix="pcw-bench-state-"))
    host = (EXAMPLE / "workers" / "worker.mjs").read_text()
    module = large_module(host)
    details: dict[str, Any] = {"program": str(EXAMPLE.relative_to(ROOT)), "rounds": ROUNDS}
    decision: dict[str, Any] = {
        "sha256_hex_chars": 64,
        "how": "the exported JSON and the on-disk checkpoint, with each Worker's outputs.script (and, in the "
        "last variant, inputs.script too) replaced by sha256(script) as 64 hex characters, re-encoded as Go "
        "writes them (`go_encoding_reproduces` says the encoding gives today's files byte for byte)",
        "engine_diff_reads": "old and new inputs (step_generator.go diffResource, DIFF_UNKNOWN path): "
        "`preview --diff` shows the script's text change only while inputs hold the source",
        "provider_diff_reads": "old outputs (pulumi.dynamic Diff/Update/Delete get request.olds): a hash in "
        "outputs means diff compares sha256(new script) with it",
    }
    stacks: list[Measured] = []
    try:
        with CloudflareLocalServer(token=TOKEN, data_dir=work / "cloudflare-local") as server:
            stacks = [Measured(server, work, "minimal", None), Measured(server, work, "large", module)]
            if all([m.up_new(section.errors) for m in stacks]):
                steady_rounds(stacks, section.errors)
            for m in stacks:
                details[m.key] = record(section, m)
                if m.state:
                    decision[m.key] = weigh(m.state["export"], m.state["checkpoint"])
                    growth = details[m.key]["backend_growth_per_up_bytes"]
                    if growth:
                        decision[m.key]["measured_backend_growth_per_up_bytes"] = statistics.median(growth)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    details["decision_inputs"] = decision
    section.details = details
    return section

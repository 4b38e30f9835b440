"""An operation's outcome as tests read it, parsed from the engine's `--json` digest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROVIDER_TYPE_PREFIX = "pulumi:providers:"
# How the engine shows a value that is unknown during a preview (sdk/go/common/resource/plugin's
# UnknownStringValue).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# The halves of a replacement; `--show-replacement-steps` prints them beside the logical `replace` step.
REPLACEMENT_HALVES = ("create-replacement", "delete-replaced", "discard-replaced")
REPLACING_OPS = ("replace", *REPLACEMENT_HALVES)


@dataclass
class StepRecord:
    """One step. `inputs`/`outputs` are the new state's (the old one's for a delete); `detailed_diff` maps
    property paths to add/delete/update."""

    op: str
    urn: str
    type: str
    name: str
    id: str = ""
    diff_reasons: list[str] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    detailed_diff: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def logical(self) -> bool:
        return self.op not in REPLACEMENT_HALVES

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> StepRecord:
        """A step of a preview digest (`newState`/`oldState`, `diffReasons`, `replaceReasons`)."""
        return cls._make(
            item, item.get("newState") or item.get("oldState") or {}, "diffReasons", "replaceReasons"
        )

    @classmethod
    def from_event_metadata(cls, metadata: dict[str, Any]) -> StepRecord:
        """A step of the engine's event stream (`new`/`old`, `diffs`, `keys`)."""
        return cls._make(metadata, metadata.get("new") or metadata.get("old") or {}, "diffs", "keys")

    @classmethod
    def _make(cls, item: dict[str, Any], state: dict[str, Any], diffs: str, keys: str) -> StepRecord:
        urn = item["urn"]
        return cls(
            op=item["op"],
            urn=urn,
            type=urn.split("::")[2].rsplit("$", 1)[-1],
            name=urn.split("::", 3)[3],
            id=state.get("id", ""),
            diff_reasons=list(item.get(diffs) or []),
            replace_reasons=list(item.get(keys) or []) if item.get("op") in REPLACING_OPS else [],
            detailed_diff={
                k: v.get("kind") or v.get("diffKind", "") for k, v in (item.get("detailedDiff") or {}).items()
            },
            inputs=state.get("inputs") or {},
            outputs=state.get("outputs") or {},
        )


@dataclass
class OperationResult:
    command: str
    exit_code: int
    stdout: str
    steps: list[StepRecord]
    summary: dict[str, int]
    error: str = ""
    digest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def text(self) -> str:
        """Everything the user read: the output, the diagnostics and the error."""
        return f"{self.stdout}\n{self.error}"

    @property
    def changes(self) -> list[StepRecord]:
        return [s for s in self.steps if s.op not in ("same", "read") and s.logical]

    def step(self, name: str, type_suffix: str = "") -> StepRecord:
        """The logical step for the resource named `name` (and whose type ends with `type_suffix`)."""
        matches = [s for s in self.steps if s.name == name and s.type.endswith(type_suffix) and s.logical]
        if len(matches) != 1:
            raise KeyError(
                f"{len(matches)} logical steps for {name!r}{type_suffix}: {[s.op for s in matches]}"
            )
        return matches[0]

    def ops(self) -> dict[str, str]:
        """Resource name -> op for every logical step (the root stack included)."""
        return {s.name: s.op for s in self.steps if s.logical}

    @classmethod
    def from_json_output(cls, command: str, exit_code: int, stdout: str, stderr: str) -> OperationResult:
        """Parses what `--json` prints: a preview's digest (`{"steps", "changeSummary"}`); for `up`, `refresh`
        and `destroy`, that digest of their preview (unless `--skip-preview`) followed by the engine's event
        stream (one JSON object per event), whose completed steps are what the operation did."""
        documents = json_documents(stdout)
        events = [d for d in documents if "sequence" in d]
        digest = next((d for d in documents if "steps" in d), None)
        if events:
            items = [e["resOutputsEvent"]["metadata"] for e in events if "resOutputsEvent" in e]
            steps = [StepRecord.from_event_metadata(m) for m in items]
            summary_event: dict[str, Any] = next(
                (e["summaryEvent"] for e in events if "summaryEvent" in e), {}
            )
            summary = dict(summary_event.get("resourceChanges") or {})
            diagnostics = [e["diagnosticEvent"] for e in events if "diagnosticEvent" in e]
        else:
            items = [s for s in (digest or {}).get("steps", []) if isinstance(s, dict) and "urn" in s]
            steps = [StepRecord.from_json(s) for s in items]
            summary = dict((digest or {}).get("changeSummary") or {})
            diagnostics = list((digest or {}).get("diagnostics") or [])
        errors = [d.get("message", "").strip() for d in diagnostics if d.get("severity") == "error"]
        error = "\n".join([*errors, stderr.strip()]).strip() if exit_code else ""
        return cls(
            command=command,
            exit_code=exit_code,
            stdout=stdout + stderr,
            steps=[s for s in steps if not s.type.startswith(PROVIDER_TYPE_PREFIX)],
            summary=summary,
            error=error,
            digest=digest,
        )


def json_documents(text: str) -> list[dict[str, Any]]:
    """Every JSON object in `text`, in order (the CLI may print other lines around them)."""
    decoder = json.JSONDecoder()
    documents: list[dict[str, Any]] = []
    position = text.find("{")
    while position >= 0:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict):
            documents.append(value)
        position = text.find("{", end)
    return documents

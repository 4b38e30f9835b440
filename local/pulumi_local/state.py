"""The stack's state in the Pulumi checkpoint's JSON shape (apitype `CheckpointV3` / `DeploymentV3`).

On disk: `{"version": 3, "checkpoint": {"stack", "latest": {"manifest", "secrets_providers", "resources"}}}`,
the file backend's format. `stack export` prints the deployment as `pulumi stack export` does: `{"version": 3,
"deployment": {...}}`. Secret values are stored as `{"4dabf18193072939515e22adb298388d":
"1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:..."}`. Writes are atomic (temp file + rename), so a
crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_local.crypto import Crypter
from pulumi_local.values import SECRET_SIG, SIG, PropertyMap, is_secret

STACK_TYPE = "pulumi:pulumi:Stack"
PYTHON_PROVIDER_TYPE = "pulumi:providers:pulumi-python"
PULUMI_LOCAL_VERSION = "3.272.0-local"


@dataclass
class ResourceState:
    """One resource in state (ResourceV3), with property values in the engine's wire form."""

    urn: str
    type: str
    custom: bool
    id: str = ""
    inputs: PropertyMap = field(default_factory=dict)
    outputs: PropertyMap = field(default_factory=dict)
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    provider: str = ""
    protect: bool = False
    retain_on_delete: bool = False
    delete: bool = False
    external: bool = False
    aliases: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    created: str = ""
    modified: str = ""

    def copy(self) -> ResourceState:
        return ResourceState(**{k: _copy(v) for k, v in self.__dict__.items()})

    def to_json(self, crypter: Crypter | None, show_secrets: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"urn": self.urn, "custom": self.custom}
        if self.delete:
            out["delete"] = True
        if self.id:
            out["id"] = self.id
        out["type"] = self.type
        if self.inputs:
            out["inputs"] = encode_properties(self.inputs, crypter, show_secrets)
        if self.outputs:
            out["outputs"] = encode_properties(self.outputs, crypter, show_secrets)
        if self.parent:
            out["parent"] = self.parent
        if self.protect:
            out["protect"] = True
        if self.external:
            out["external"] = True
        if self.dependencies:
            out["dependencies"] = list(self.dependencies)
        if self.provider:
            out["provider"] = self.provider
        if self.property_dependencies:
            out["propertyDependencies"] = {k: list(v) for k, v in self.property_dependencies.items()}
        if self.additional_secret_outputs:
            out["additionalSecretOutputs"] = list(self.additional_secret_outputs)
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.retain_on_delete:
            out["retainOnDelete"] = True
        if self.ignore_changes:
            out["ignoreChanges"] = list(self.ignore_changes)
        if self.created:
            out["created"] = self.created
        if self.modified:
            out["modified"] = self.modified
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], crypter: Crypter | None) -> ResourceState:
        return cls(
            urn=data["urn"],
            type=data["type"],
            custom=bool(data.get("custom")),
            id=data.get("id", ""),
            inputs=decode_properties(data.get("inputs") or {}, crypter),
            outputs=decode_properties(data.get("outputs") or {}, crypter),
            parent=data.get("parent", ""),
            dependencies=list(data.get("dependencies") or []),
            property_dependencies={k: list(v) for k, v in (data.get("propertyDependencies") or {}).items()},
            provider=data.get("provider", ""),
            protect=bool(data.get("protect")),
            retain_on_delete=bool(data.get("retainOnDelete")),
            delete=bool(data.get("delete")),
            external=bool(data.get("external")),
            aliases=list(data.get("aliases") or []),
            additional_secret_outputs=list(data.get("additionalSecretOutputs") or []),
            ignore_changes=list(data.get("ignoreChanges") or []),
            created=data.get("created", ""),
            modified=data.get("modified", ""),
        )


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def encode_properties(props: PropertyMap, crypter: Crypter | None, show_secrets: bool = False) -> PropertyMap:
    return {k: _encode(v, crypter, show_secrets) for k, v in props.items()}


def _encode(value: Any, crypter: Crypter | None, show_secrets: bool) -> Any:
    if is_secret(value):
        plain = _strip_for_storage(value["value"])
        if show_secrets:
            return {SIG: SECRET_SIG, "plaintext": json.dumps(plain, sort_keys=True)}
        if crypter is None:
            return {SIG: SECRET_SIG, "ciphertext": "[secret]"}
        return {SIG: SECRET_SIG, "ciphertext": crypter.encrypt_value(plain)}
    if isinstance(value, dict):
        return {k: _encode(v, crypter, show_secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v, crypter, show_secrets) for v in value]
    return value


def _strip_for_storage(value: Any) -> Any:
    # A secret inside a secret is stored once: the outer ciphertext covers it.
    if is_secret(value):
        return _strip_for_storage(value["value"])
    if isinstance(value, dict):
        return {k: _strip_for_storage(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_for_storage(v) for v in value]
    return value


def decode_properties(props: PropertyMap, crypter: Crypter | None) -> PropertyMap:
    return {k: _decode(v, crypter) for k, v in props.items()}


def _decode(value: Any, crypter: Crypter | None) -> Any:
    if isinstance(value, dict) and value.get(SIG) == SECRET_SIG:
        if "ciphertext" in value:
            if crypter is None:
                raise ValueError("state holds secrets but no secrets provider was given")
            return {SIG: SECRET_SIG, "value": crypter.decrypt_value(value["ciphertext"])}
        if "plaintext" in value:
            return {SIG: SECRET_SIG, "value": json.loads(value["plaintext"])}
        return {SIG: SECRET_SIG, "value": value.get("value")}
    if isinstance(value, dict):
        return {k: _decode(v, crypter) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, crypter) for v in value]
    return value


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StateStore:
    """One stack's checkpoint file: `<state dir>/stacks/<project>/<stack>.json` (the file backend's
    layout)."""

    def __init__(self, state_dir: Path, project: str, stack: str, crypter: Crypter) -> None:
        self.state_dir = state_dir
        self.project = project
        self.stack = stack
        self.crypter = crypter
        self.path = state_dir / "stacks" / project / f"{stack}.json"

    def load(self) -> list[ResourceState]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text())
        latest = (data.get("checkpoint") or {}).get("latest") or {}
        return [ResourceState.from_json(r, self.crypter) for r in latest.get("resources") or []]

    def deployment(self, resources: list[ResourceState], show_secrets: bool = False) -> dict[str, Any]:
        deployment: dict[str, Any] = {
            "manifest": {
                "time": now_iso(),
                "magic": "",
                "version": PULUMI_LOCAL_VERSION,
            },
            "secrets_providers": {"type": self.crypter.provider_type, "state": self.crypter.provider_state},
        }
        if resources:
            deployment["resources"] = [r.to_json(self.crypter, show_secrets) for r in resources]
        return deployment

    def save(self, resources: list[ResourceState]) -> None:
        checkpoint = {
            "version": 3,
            "checkpoint": {"stack": self.stack, "latest": self.deployment(resources)},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(checkpoint, indent=4))
        os.replace(tmp, self.path)

    def export(self, show_secrets: bool = False) -> dict[str, Any]:
        """`pulumi stack export`: the untyped deployment, version 3."""
        return {"version": 3, "deployment": self.deployment(self.load(), show_secrets)}

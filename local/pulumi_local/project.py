"""Pulumi.yaml and Pulumi.<stack>.yaml: the project's name and entry point, and the stack's config.

Config keys are namespaced as pulumi namespaces them (`key` -> `<project>:key`); a `secure:` value is kept
encrypted on disk and decrypted only into the program's and the provider's environment, as the CLI does.
Structured values (objects, lists) reach programs and providers as JSON text, as the engine sends them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pulumi_local.crypto import Crypter


class ProjectError(Exception):
    """Pulumi.yaml or the stack config is missing or malformed."""


@dataclass(frozen=True)
class Project:
    name: str
    root: Path
    runtime: str
    main: Path
    description: str = ""

    @property
    def program_dir(self) -> Path:
        """The directory the program runs in (the `main:` directory, else the project root)."""
        return self.main if self.main.is_dir() else self.main.parent


@dataclass
class StackConfig:
    """One stack's config: plain values and which keys are secret (their plaintext held only in memory)."""

    values: dict[str, str] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)


def load_project(cwd: Path) -> Project:
    path = cwd / "Pulumi.yaml"
    if not path.exists():
        path = cwd / "Pulumi.yml"
    if not path.exists():
        raise ProjectError(f"no Pulumi.yaml project file found in {cwd}")
    data = yaml.safe_load(path.read_text()) or {}
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{path}: `name` is required")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(
            f"{path}: runtime {runtime_name!r} is not supported; pulumi-local runs `python` only"
        )
    main = (cwd / str(data.get("main", "."))).resolve()
    if not main.exists():
        raise ProjectError(f"{path}: main {data.get('main')!r} does not exist")
    return Project(
        name=name, root=cwd.resolve(), runtime="python", main=main, description=data.get("description", "")
    )


def namespaced(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def stack_file(project: Project, stack: str) -> Path:
    return project.root / f"Pulumi.{stack}.yaml"


def load_config(project: Project, stack: str, crypter: Crypter | None) -> StackConfig:
    """Reads `Pulumi.<stack>.yaml`; secure values need the stack's crypter."""
    path = stack_file(project, stack)
    if not path.exists():
        return StackConfig()
    data = yaml.safe_load(path.read_text()) or {}
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{path}: `config` must be a mapping")
    config = StackConfig()
    for key, value in raw.items():
        full = namespaced(project.name, str(key))
        if isinstance(value, dict) and set(value) == {"secure"}:
            if crypter is None:
                raise ProjectError(f"{path}: {full} is secure but no secrets provider is available")
            config.values[full] = crypter.decrypt(str(value["secure"]))
            config.secret_keys.add(full)
        else:
            config.values[full] = _config_text(value)
    return config


def _config_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def set_config(project: Project, stack: str, key: str, value: str, secret: bool, crypter: Crypter) -> None:
    """`pulumi config set [--secret]`: writes one key into `Pulumi.<stack>.yaml`, keeping the others."""
    path = stack_file(project, stack)
    data: dict[str, Any] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text()) or {}
    config = data.setdefault("config", {}) or {}
    data["config"] = config
    full = namespaced(project.name, key)
    for existing in list(config):
        if namespaced(project.name, str(existing)) == full:
            del config[existing]
    config[full] = {"secure": crypter.encrypt(value)} if secret else value
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=True))
    os.replace(tmp, path)

"""Helpers for the engine tests: toy programs copied to tmp_path, the toy provider's call log and cloud.

(Not named conftest: pytest imports every conftest as `conftest`, so test modules import helpers from here.)
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_local import Stack

HERE = Path(__file__).parent
TOY_DIR = HERE / "toy"
PROGRAMS = HERE / "programs"

if str(TOY_DIR) not in sys.path:
    sys.path.insert(0, str(TOY_DIR))


@dataclass
class Toy:
    """A toy program in tmp_path with its stack, call log and cloud."""

    dir: Path
    log_path: Path
    cloud_path: Path
    env: dict[str, str]

    def stack(self, via_cli: bool = False, **extra_env: str) -> Stack:
        return Stack(self.dir, "dev", env={**self.env, **extra_env}, via_cli=via_cli)

    def calls(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]

    def methods(self) -> list[str]:
        return [c["method"] for c in self.calls()]

    def clear_calls(self) -> None:
        self.log_path.unlink(missing_ok=True)

    def cloud(self) -> dict[str, Any]:
        return json.loads(self.cloud_path.read_text()) if self.cloud_path.exists() else {}

    def set_spec(self, spec: list[dict[str, Any]]) -> None:
        self.stack().config_set("spec", json.dumps(spec))

    def mutations(self) -> list[tuple[str, str]]:
        """(method, physical name) of every create/update/delete, in call order."""
        out = []
        for call in self.calls():
            if call["method"] == "create":
                out.append(("create", call["props"]["name"]))
            elif call["method"] in ("update", "delete"):
                out.append((call["method"], call["id"]))
        return out


def make_toy(tmp_path: Path, program: str) -> Toy:
    target = tmp_path / program
    shutil.copytree(PROGRAMS / program, target)
    log_path, cloud_path = tmp_path / "calls.jsonl", tmp_path / "cloud.json"
    env = {
        "PYTHONPATH": str(TOY_DIR),
        "TOY_LOG": str(log_path),
        "TOY_CLOUD": str(cloud_path),
        "PULUMI_LOCAL_STATE_DIR": str(tmp_path / "state"),
    }
    return Toy(target, log_path, cloud_path, env)

"""The `pulumi-local` console script itself: flags, exit codes, `preview --json`, config and stack export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine_support import Toy
from pulumi_local.values import UNKNOWN

CLI = shutil.which("pulumi-local", path=str(Path(sys.executable).parent)) or "pulumi-local"


def run(toy: Toy, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "--cwd", str(toy.dir), *args],
        env={**os.environ, **toy.env, **extra_env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_preview_json_has_pulumis_shape(toy_basic: Toy) -> None:
    proc = run(toy_basic, "preview", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    digest: dict[str, Any] = json.loads(proc.stdout)
    assert set(digest) >= {"steps", "changeSummary", "duration"}
    assert digest["changeSummary"] == {"create": 3}
    ops = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in digest["steps"]}
    assert ops == {"basic-dev": "create", "a": "create", "b": "create"}
    b = next(s for s in digest["steps"] if s["urn"].endswith("::b"))
    assert b["newState"]["type"] == "pulumi-python:dynamic/toy:Thing"
    assert b["newState"]["inputs"]["value"] == UNKNOWN
    assert b["provider"].startswith("urn:pulumi:dev::basic::pulumi:providers:pulumi-python::default::")
    assert "oldState" not in b and b["detailedDiff"] is None


def test_replace_in_json_is_one_logical_step_unless_asked(toy_spec: Toy) -> None:
    spec = [{"resource": "a", "replace_on": ["name"]}]
    assert run(toy_spec, "config", "set", "spec", json.dumps(spec)).returncode == 0
    assert run(toy_spec, "up", "--yes", "--skip-preview").returncode == 0
    spec[0]["name"] = "a2"
    assert run(toy_spec, "config", "set", "spec", json.dumps(spec)).returncode == 0
    default = json.loads(run(toy_spec, "preview", "--json").stdout)
    assert [s["op"] for s in default["steps"]] == ["same", "replace"]
    replace = default["steps"][1]
    assert replace["replaceReasons"] == ["name"] and replace["diffReasons"] == ["name"]
    assert replace["detailedDiff"] == {"name": {"kind": "update", "inputDiff": True}}
    assert default["changeSummary"] == {"replace": 1, "same": 1}
    full = json.loads(run(toy_spec, "preview", "--json", "--show-replacement-steps").stdout)
    assert [s["op"] for s in full["steps"]] == ["same", "create-replacement", "replace", "delete-replaced"]


def test_diff_flag_names_changed_keys(toy_basic: Toy) -> None:
    assert run(toy_basic, "up", "--yes").returncode == 0
    assert run(toy_basic, "config", "set", "a_value", "changed").returncode == 0
    proc = run(toy_basic, "preview", "--diff")
    assert proc.returncode == 0
    assert "~  pulumi-python:dynamic/toy:Thing a update [diff: ~value]" in proc.stdout
    assert '~ value: "one" => "changed"' in proc.stdout


def test_exit_codes(toy_basic: Toy) -> None:
    refused = run(toy_basic, "up")
    assert refused.returncode == 255 and "--yes must be passed" in refused.stdout
    expect = run(toy_basic, "preview", "--expect-no-changes")
    assert expect.returncode == 255 and "no changes were expected" in expect.stdout
    assert run(toy_basic, "up", "--yes", "--expect-no-changes").returncode == 255  # it did change
    assert run(toy_basic, "preview", "--expect-no-changes").returncode == 0
    assert run(toy_basic, "refresh", "--yes", "--expect-no-changes").returncode == 0
    missing = subprocess.run(
        [CLI, "--cwd", str(toy_basic.dir.parent), "preview"], capture_output=True, text=True
    )
    assert missing.returncode == 255 and "no Pulumi.yaml" in missing.stdout


def test_config_secret_and_stack_export(toy_basic: Toy) -> None:
    assert run(toy_basic, "config", "set", "greeting", "s3cr3t-value", "--secret").returncode == 0
    assert run(toy_basic, "config", "set", "a_value", "plain").returncode == 0
    stack_yaml = (toy_basic.dir / "Pulumi.dev.yaml").read_text()
    assert (
        "s3cr3t-value" not in stack_yaml
        and "secure: v1:" in stack_yaml
        and "basic:a_value: plain" in stack_yaml
    )
    assert run(toy_basic, "config", "get", "greeting").stdout.strip() == "s3cr3t-value"
    assert run(toy_basic, "up", "--yes", "--skip-preview").returncode == 0
    exported = json.loads(run(toy_basic, "stack", "export").stdout)
    assert exported["version"] == 3
    resources = exported["deployment"]["resources"]
    types = [r["type"] for r in resources]
    assert types[0] == "pulumi:pulumi:Stack" and "pulumi:providers:pulumi-python" in types
    a = next(r for r in resources if r["urn"].endswith("::a"))
    provider = next(r for r in resources if r["type"] == "pulumi:providers:pulumi-python")
    assert a["provider"] == f"{provider['urn']}::{provider['id']}"
    assert a["parent"] == resources[0]["urn"] and a["custom"] is True and a["id"] == "a"
    assert set(a) >= {"urn", "custom", "id", "type", "inputs", "outputs", "parent", "provider"}
    checkpoint = json.loads(next((toy_basic.dir.parent / "state" / "stacks").rglob("dev.json")).read_text())
    assert checkpoint["version"] == 3 and checkpoint["checkpoint"]["stack"] == "dev"
    assert checkpoint["checkpoint"]["latest"]["resources"] == resources


def test_stack_env_var_selects_the_stack(toy_basic: Toy) -> None:
    assert run(toy_basic, "up", "--yes", "--skip-preview", PULUMI_STACK="staging").returncode == 0
    export = json.loads(run(toy_basic, "--stack", "staging", "stack", "export").stdout)
    assert (
        export["deployment"]["resources"][0]["urn"]
        == "urn:pulumi:staging::basic::pulumi:pulumi:Stack::basic-staging"
    )
    assert "resources" not in json.loads(run(toy_basic, "stack", "export").stdout)["deployment"]

"""A toy dynamic provider for the engine tests: a JSON file is its "cloud", every call is recorded.

Importable by reference (put this directory on PYTHONPATH) so the provider in state is
`toy_provider.ToyProvider`. Environment:
- `TOY_LOG`: JSON-lines file; each provider call appends `{"method", "pid", "thread", ...arguments}`.
- `TOY_CLOUD`: JSON file `{id: outputs}`; create/update write it, read reads it, delete removes the id.
- `TOY_FAIL`: comma-separated `method:name` pairs that raise (e.g. `create:b`), to test failed steps.
- `TOY_SLEEP`: seconds `create` sleeps (for the concurrency test).

Inputs: `name` (the physical name, the id), `value` (anything), `replace_on` (keys whose change means
replace), `dbr` (the provider asks for delete-before-replace). Computed output: `serial`, stable across
updates.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

_LOCK = threading.Lock()
COMPUTED = ("serial",)


def _describe(value: Any) -> Any:
    """JSON-safe view of a value, showing where the SDK handed the provider an Unknown."""
    if isinstance(value, Unknown):
        return {"<unknown>": True}
    if isinstance(value, dict):
        return {k: _describe(v) for k, v in value.items() if k != "__provider"}
    if isinstance(value, list):
        return [_describe(v) for v in value]
    return value


def _record(method: str, **fields: Any) -> None:
    path = os.environ.get("TOY_LOG")
    if not path:
        return
    entry = {"method": method, "pid": os.getpid(), "thread": threading.get_ident(), "time": time.time()}
    entry.update({k: _describe(v) for k, v in fields.items()})
    with _LOCK, open(path, "a") as fh:
        fh.write(json.dumps(entry) + "\n")


def _maybe_fail(method: str, props: dict[str, Any]) -> None:
    wanted = {item.strip() for item in os.environ.get("TOY_FAIL", "").split(",") if item.strip()}
    if f"{method}:{props.get('name')}" in wanted:
        raise RuntimeError(f"toy provider told to fail {method} of {props.get('name')}")


def _cloud() -> dict[str, Any]:
    path = os.environ.get("TOY_CLOUD")
    if not path or not Path(path).exists():
        return {}
    return json.loads(Path(path).read_text())  # type: ignore[no-any-return]


def _save_cloud(data: dict[str, Any]) -> None:
    path = os.environ.get("TOY_CLOUD")
    if path:
        Path(path).write_text(json.dumps(data))


def _user_inputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider" and k not in COMPUTED}


class ToyProvider(ResourceProvider):
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        raw = dict(req.config._props)
        _record("configure", keys=sorted(raw), config=raw, via_get=req.config.get("greeting"))

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        _record("check", olds=olds, news=news)
        _maybe_fail("check", news)
        inputs = dict(news)
        inputs.setdefault("value", "default")
        return CheckResult(inputs, [])

    def diff(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        _record("diff", id=id, olds=olds, news=news)
        old, new = _user_inputs(olds), _user_inputs(news)
        if old == new:
            return DiffResult(changes=False)
        replace_on = news.get("replace_on") or []
        if isinstance(replace_on, Unknown):
            replace_on = []
        replaces = [k for k in replace_on if old.get(k) != new.get(k)]
        dbr = bool(news.get("dbr")) if not isinstance(news.get("dbr"), Unknown) else False
        return DiffResult(changes=None, replaces=replaces, delete_before_replace=dbr)

    def create(self, props: dict[str, Any]) -> CreateResult:
        _record("create", props=props)
        _maybe_fail("create", props)
        time.sleep(float(os.environ.get("TOY_SLEEP", "0")))
        _record("create-done", name=props["name"])
        outs = _user_inputs(props)
        outs["serial"] = uuid.uuid4().hex
        with _LOCK:
            cloud = _cloud()
            cloud[str(props["name"])] = outs
            _save_cloud(cloud)
        return CreateResult(str(props["name"]), outs)

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _record("update", id=id, olds=olds, news=news)
        _maybe_fail("update", news)
        outs = _user_inputs(news)
        outs["serial"] = olds.get("serial")
        with _LOCK:
            cloud = _cloud()
            cloud[id] = outs
            _save_cloud(cloud)
        return UpdateResult(outs)

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        _record("read", id=id, props=props)
        with _LOCK:
            current = _cloud().get(id)
        if current is None:
            return ReadResult("", {})
        inputs = {k: v for k, v in current.items() if k not in COMPUTED}
        return ReadResult(id, dict(current), inputs)

    def delete(self, id: str, props: dict[str, Any]) -> None:
        _record("delete", id=id, props=props)
        _maybe_fail("delete", props)
        with _LOCK:
            cloud = _cloud()
            cloud.pop(id, None)
            _save_cloud(cloud)


class BareProvider(ResourceProvider):
    """Only `create`: every other method is the SDK's default (diff -> DIFF_UNKNOWN, update wipes outputs,
    read echoes the state)."""

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("bare-1", {"kept": props.get("kept"), "computed": "c"})


class StablesProvider(ResourceProvider):
    """A diff that sets every DiffResult field, to see which reach the wire."""

    serialize_as_secret_always = False

    def diff(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=True, replaces=["name"], stables=["kept"], delete_before_replace=True)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({**news, "echo": news.get("value")}, [])


class Thing(Resource, module="toy", name="Thing"):
    """A toy resource: `Thing("a", name="a", value=...)`; `serial` is computed by the provider."""

    name: pulumi.Output[str]
    value: pulumi.Output[Any]
    serial: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str] | None = None,
        value: pulumi.Input[Any] = None,
        replace_on: list[str] | None = None,
        dbr: bool | None = None,
        extra: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"name": name or resource_name, "value": value, "serial": None}
        if replace_on is not None:
            props["replace_on"] = replace_on
        if dbr is not None:
            props["dbr"] = dbr
        props.update(extra or {})
        super().__init__(ToyProvider(), resource_name, props, opts)

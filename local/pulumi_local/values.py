"""Property values as the engine holds them: plain JSON, secrets wrapped, unknowns as the sentinel.

The engine works on the wire form (what `google.protobuf.Struct` carries): a secret is the dict `{SIG:
SECRET_SIG, "value": v}` and an unknown is the string `UNKNOWN`. Keeping that form end to end means the values
the program sends, the values stored in state and the values sent to the provider need no translation beyond
stripping secrets (the dynamic provider answers `acceptSecrets=False`) and re-marking them on the way back.
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import json_format, struct_pb2

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

PropertyMap = dict[str, Any]


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG) == SECRET_SIG and "value" in value


def make_secret(value: Any) -> dict[str, Any]:
    """Wraps a value as secret (idempotent: a secret stays a single wrapper)."""
    if is_secret(value):
        return value
    return {SIG: SECRET_SIG, "value": value}


def strip_secrets(value: Any) -> Any:
    """The value with every secret wrapper removed, as the engine sends it to a provider without secret
    support."""
    if is_secret(value):
        return strip_secrets(value["value"])
    if isinstance(value, dict):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def annotate_secrets(outputs: PropertyMap, inputs: PropertyMap) -> PropertyMap:
    """Re-marks as secret every output whose key matches a secret input (the engine's `annotateSecrets`).

    Recurses into objects; an array is secret as a whole when any element of the input array was.
    """
    result = dict(outputs)
    for key, in_value in inputs.items():
        if key not in result:
            continue
        out_value = result[key]
        if is_secret(out_value):
            continue
        if is_secret(in_value):
            result[key] = make_secret(out_value)
        elif isinstance(in_value, dict) and isinstance(out_value, dict):
            result[key] = annotate_secrets(out_value, in_value)
        elif (
            isinstance(in_value, list)
            and isinstance(out_value, list)
            and len(in_value) == len(out_value)
            and any(contains_secrets(v) for v in in_value)
        ):
            result[key] = make_secret(out_value)
    return result


def _normalise_number(value: Any) -> Any:
    """Struct numbers are doubles; integral ones are written as ints, as Go's JSON encoder writes them."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _normalise_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_number(v) for v in value]
    return value


def from_struct(struct: struct_pb2.Struct | None) -> PropertyMap:
    if struct is None:
        return {}
    return _normalise_number(json_format.MessageToDict(struct))


def to_struct(props: PropertyMap) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def _diff_paths(old: Any, new: Any, path: str, out: dict[str, str]) -> None:
    if strip_secrets(old) == strip_secrets(new):
        return
    old_v, new_v = strip_secrets(old), strip_secrets(new)
    if isinstance(old_v, dict) and isinstance(new_v, dict):
        for key in sorted(set(old_v) | set(new_v)):
            sub = f"{path}.{key}" if _simple_key(key) else f'{path}["{key}"]'
            if key not in old_v:
                out[sub] = "add"
            elif key not in new_v:
                out[sub] = "delete"
            else:
                _diff_paths(old_v[key], new_v[key], sub, out)
        return
    if isinstance(old_v, list) and isinstance(new_v, list):
        for i in range(max(len(old_v), len(new_v))):
            sub = f"{path}[{i}]"
            if i >= len(old_v):
                out[sub] = "add"
            elif i >= len(new_v):
                out[sub] = "delete"
            else:
                _diff_paths(old_v[i], new_v[i], sub, out)
        return
    out[path] = "update"


def _simple_key(key: str) -> bool:
    return key.replace("_", "a").isalnum() and not key[:1].isdigit()


def diff_inputs(old: PropertyMap, new: PropertyMap) -> tuple[list[str], dict[str, str]]:
    """The engine's own input diff (used when a provider answers DIFF_UNKNOWN).

    Returns the changed top-level keys (`ChangedKeys`) and a detailed diff of property paths to
    `add`/`delete`/`update` (`DetailedDiff`, all `inputDiff: true`).
    """
    changed: list[str] = []
    detailed: dict[str, str] = {}
    for key in sorted(set(old) | set(new)):
        if key not in new:
            changed.append(key)
            detailed[key if _simple_key(key) else f'["{key}"]'] = "delete"
        elif key not in old:
            changed.append(key)
            detailed[key if _simple_key(key) else f'["{key}"]'] = "add"
        elif strip_secrets(old[key]) != strip_secrets(new[key]):
            changed.append(key)
            _diff_paths(old[key], new[key], key if _simple_key(key) else f'["{key}"]', detailed)
    return changed, detailed


def apply_ignore_changes(news: PropertyMap, olds: PropertyMap, ignore_changes: list[str]) -> PropertyMap:
    """Resets each ignored property path in `news` to its value in `olds` (the engine's
    `processIgnoreChanges`).

    Paths are dotted (`a.b`); a path missing from `olds` is dropped from `news`.
    """
    result = _deep_copy(news)
    for path in ignore_changes:
        parts = path.split(".")
        src: Any = olds
        found = True
        for part in parts:
            if isinstance(src, dict) and part in src:
                src = src[part]
            else:
                found = False
                break
        dst: Any = result
        for part in parts[:-1]:
            if not isinstance(dst, dict):
                dst = None
                break
            dst = dst.setdefault(part, {})
        if not isinstance(dst, dict):
            continue
        if found:
            dst[parts[-1]] = _deep_copy(src)
        else:
            dst.pop(parts[-1], None)
    return result


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value

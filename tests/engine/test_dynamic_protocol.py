"""The engine facts pulumi-local relies on, checked against the SDK's own `python -m pulumi.dynamic` server.

Most tests use pulumi-local's client (`pulumi_local.dynamic.DynamicProvider`); one drives the server with a
hand-rolled gRPC client built only from the SDK's stubs, so a bug in our client cannot hide a wrong
assumption.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from engine_support import TOY_DIR
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi_local.dynamic import DIFF_SOME, DIFF_UNKNOWN, DynamicProvider, ProviderError
from pulumi_local.values import SECRET_SIG, SIG, UNKNOWN
from toy_provider import BareProvider, StablesProvider, ToyProvider

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/toy:Thing::x"
TOY = serialize_provider(ToyProvider())
BARE = serialize_provider(BareProvider())
STABLES = serialize_provider(StablesProvider())


def _calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(TOY_DIR),
        "TOY_LOG": str(tmp_path / "calls.jsonl"),
        "TOY_CLOUD": str(tmp_path / "cloud.json"),
    }


@pytest.fixture
def provider(tmp_path: Path, env: dict[str, str]) -> Iterator[DynamicProvider]:
    with DynamicProvider(tmp_path, "proj", env=env, on_output=lambda line: None) as p:
        yield p


def test_configure_sees_namespaced_keys_and_unwrapped_secrets(
    provider: DynamicProvider, tmp_path: Path
) -> None:
    response = provider.configure(
        {"proj:greeting": "hi", "cloudflare:apiToken": "tok-123"}, {"cloudflare:apiToken"}
    )
    assert response.acceptSecrets is False and response.supportsPreview is False
    provider.check(URN, {}, {"name": "x", "__provider": TOY})
    configure = _calls(tmp_path / "calls.jsonl")[0]
    assert configure["method"] == "configure"
    assert configure["config"] == {"proj:greeting": "hi", "cloudflare:apiToken": "tok-123"}
    assert configure["via_get"] == "hi"  # get("greeting") reads "<PULUMI_PROJECT>:greeting"


def test_configure_must_come_first(provider: DynamicProvider, tmp_path: Path) -> None:
    provider.check(URN, {}, {"name": "x", "__provider": TOY})
    provider.configure({"proj:greeting": "late"}, set())
    provider.check(URN, {}, {"name": "y", "__provider": TOY})
    configures = [c for c in _calls(tmp_path / "calls.jsonl") if c["method"] == "configure"]
    assert [c["config"] for c in configures] == [{}]  # configured once, on first use, with nothing


def test_check_and_diff_receive_unknowns_as_unknown_objects(
    provider: DynamicProvider, tmp_path: Path
) -> None:
    provider.configure({}, set())
    checked = provider.check(URN, {}, {"name": "x", "value": UNKNOWN, "__provider": TOY})
    assert checked.inputs["value"] == UNKNOWN  # re-serialized as the sentinel for the engine
    provider.diff(URN, "x", {"name": "x", "value": 1, "__provider": TOY}, checked.inputs, {}, [])
    check, diff = [c for c in _calls(tmp_path / "calls.jsonl") if c["method"] in ("check", "diff")]
    assert check["olds"] == {} and check["news"]["value"] == {"<unknown>": True}
    assert diff["olds"] == {"name": "x", "value": 1} and diff["news"]["value"] == {"<unknown>": True}


def test_diff_result_mapping_on_the_wire(provider: DynamicProvider) -> None:
    provider.configure({}, set())
    unknown = provider.diff(
        URN, "x", {"name": "x", "__provider": TOY}, {"name": "y", "__provider": TOY}, {}, []
    )
    assert unknown.changes == DIFF_UNKNOWN  # DiffResult(changes=None)
    explicit = provider.diff(
        URN, "x", {"name": "x", "__provider": STABLES}, {"name": "y", "__provider": STABLES}, {}, []
    )
    assert explicit.changes == DIFF_SOME
    assert explicit.replaces == ["name"]
    assert explicit.delete_before_replace is True
    assert explicit.stables == []  # stables are dropped by the server
    assert explicit.changed_keys == [] and explicit.detailed_diff == {}  # no detailed diff, ever


def test_create_read_update_defaults(provider: DynamicProvider) -> None:
    provider.configure({}, set())
    id_, outs = provider.create(URN, {"kept": "k", "__provider": BARE})
    assert id_ == "bare-1"
    assert outs == {"kept": "k", "computed": "c", "__provider": BARE}  # inputs are not copied into outputs
    read = provider.read(URN, id_, outs, {"kept": "k", "__provider": BARE})
    assert read.id == id_ and read.outputs == outs and read.inputs is None  # default read echoes state
    updated = provider.update(URN, id_, outs, {"kept": "k2", "__provider": BARE}, {}, [])
    assert updated == {"__provider": BARE}  # the default update wipes every output (#9982)


def test_read_of_a_gone_resource_returns_an_empty_id(provider: DynamicProvider) -> None:
    provider.configure({}, set())
    gone = provider.read(URN, "missing", {"name": "missing", "__provider": TOY}, {})
    assert gone.id == "" and gone.outputs == {"__provider": TOY}


def test_exceptions_come_back_as_unknown_with_the_traceback(tmp_path: Path, env: dict[str, str]) -> None:
    with DynamicProvider(
        tmp_path, "proj", env={**env, "TOY_FAIL": "create:x"}, on_output=lambda _: None
    ) as p:
        p.configure({}, set())
        with pytest.raises(ProviderError) as info:
            p.create(URN, {"name": "x", "__provider": TOY})
    assert info.value.code == grpc.StatusCode.UNKNOWN
    assert "Traceback (most recent call last)" in info.value.details
    assert "toy provider told to fail create of x" in info.value.details


def test_at_most_four_calls_run_at_once(tmp_path: Path, env: dict[str, str]) -> None:
    with DynamicProvider(tmp_path, "proj", env={**env, "TOY_SLEEP": "0.4"}, on_output=lambda _: None) as p:
        p.configure({}, set())
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: p.create(URN, {"name": f"n{i}", "__provider": TOY}), range(8)))
    events = sorted(
        (c["time"], 1 if c["method"] == "create" else -1)
        for c in _calls(tmp_path / "calls.jsonl")
        if c["method"] in ("create", "create-done")
    )
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert peak == 4
    threads = {c["thread"] for c in _calls(tmp_path / "calls.jsonl") if c["method"] == "create"}
    assert len(threads) == 4


def test_hand_rolled_client(tmp_path: Path, env: dict[str, str]) -> None:
    """Only the SDK's stubs and protobuf: the plugin handshake, Configure, and the `__provider` echo."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic", "unused-engine-address"],
        cwd=tmp_path,
        env={**env, "PULUMI_PROJECT": "proj"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        port_line: list[bytes] = []
        reader = threading.Thread(target=lambda: port_line.append(proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(30)
        port = int(port_line[0].strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            assert stub.GetPluginInfo(empty_pb2.Empty()).version == "0.1.0"
            with pytest.raises(grpc.RpcError) as info:
                stub.Handshake(provider_pb2.ProviderHandshakeRequest())
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
            args = struct_pb2.Struct()
            args.update({"proj:greeting": {SIG: SECRET_SIG, "value": "wrapped"}})
            configured = stub.Configure(provider_pb2.ConfigureRequest(args=args, acceptSecrets=True))
            assert not configured.acceptSecrets and not configured.supportsPreview
            props = struct_pb2.Struct()
            props.update({"name": "hand", "value": 3, "__provider": TOY})
            created = stub.Create(provider_pb2.CreateRequest(urn=URN, properties=props))
            outputs = json_format.MessageToDict(created.properties)
            assert created.id == "hand"
            assert outputs["__provider"] == TOY and outputs["value"] == 3
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()  # type: ignore[union-attr]
    configure = _calls(tmp_path / "calls.jsonl")[0]
    assert configure["config"] == {"proj:greeting": "wrapped"}

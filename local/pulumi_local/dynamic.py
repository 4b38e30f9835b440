"""A client for the SDK's own dynamic-provider server, `python -m pulumi.dynamic`, spoken to as the engine
does.

One process per deployment, started in the program directory with `PULUMI_PROJECT` set, its port read from the
first stdout line (the plugin protocol); `Configure` goes first with the whole stack config, namespaced,
secrets wrapped. Values cross the wire as `google.protobuf.Struct`, secrets stripped (the server answers
`acceptSecrets=False`), unknowns as the sentinel string, exactly what the engine's `MarshalProperties` sends.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_local.values import PropertyMap, from_struct, make_secret, strip_secrets, to_struct

PROVIDER_TYPE = "pulumi:providers:pulumi-python"
STARTUP_TIMEOUT = 30.0


class ProviderError(Exception):
    """A provider RPC failed; `details` holds what the server sent (for dynamic providers, the traceback)."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{method} failed: {details}")
        self.method = method
        self.code = code
        self.details = details


@dataclass
class CheckResult:
    inputs: PropertyMap
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DiffResult:
    changes: int  # provider_pb2.DiffResponse.DIFF_UNKNOWN / DIFF_NONE / DIFF_SOME
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    changed_keys: list[str] = field(default_factory=list)
    detailed_diff: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadResult:
    id: str
    outputs: PropertyMap
    inputs: PropertyMap | None


DIFF_UNKNOWN = provider_pb2.DiffResponse.DIFF_UNKNOWN
DIFF_NONE = provider_pb2.DiffResponse.DIFF_NONE
DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME


class DynamicProvider:
    """A running `python -m pulumi.dynamic` and a stub to it. Use as a context manager; `close()` ends it."""

    def __init__(
        self,
        program_dir: Path,
        project: str,
        env: dict[str, str] | None = None,
        on_output: Callable[[str], None] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.program_dir = program_dir
        self.project = project
        self._on_output = on_output or (lambda line: print(line, file=sys.stderr))
        proc_env = dict(os.environ if env is None else env)
        proc_env["PULUMI_PROJECT"] = project
        # The engine hands the plugin only the pulumi-python namespace of the config (none here).
        proc_env["PULUMI_CONFIG"] = "{}"
        self._proc = subprocess.Popen(
            [python, "-u", "-m", "pulumi.dynamic", "pulumi-local"],
            cwd=program_dir,
            env=proc_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._threads: list[threading.Thread] = []
        self.calls: list[str] = []
        try:
            port = self._read_port()
        except BaseException:
            self.close()
            raise
        self.address = f"127.0.0.1:{port}"
        self._channel = grpc.insecure_channel(self.address)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._pump(self._proc.stdout, "")
        self._pump(self._proc.stderr, "")

    def _read_port(self) -> int:
        assert self._proc.stdout is not None
        result: list[bytes] = []
        reader = threading.Thread(target=lambda: result.append(self._proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        line = result[0] if result else b""
        if not line.strip().isdigit():
            err = b""
            if self._proc.poll() is not None and self._proc.stderr is not None:
                err = self._proc.stderr.read()
            raise RuntimeError(
                f"python -m pulumi.dynamic did not print its port (got {line!r}): "
                f"{err.decode(errors='replace')}"
            )
        return int(line.strip())

    def _pump(self, stream: IO[bytes] | None, prefix: str) -> None:
        if stream is None:
            return

        def run() -> None:
            for raw in iter(stream.readline, b""):
                self._on_output(prefix + raw.decode(errors="replace").rstrip("\n"))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)

    def __enter__(self) -> DynamicProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops the process (the engine kills plugins at the end of a deployment)."""
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        for thread in self._threads:
            thread.join(2)
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _call(self, method: str, request: Any) -> Any:
        self.calls.append(method)
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as exc:
            raise ProviderError(method, exc.code(), exc.details() or "") from None

    # --- the RPCs, in the engine's shapes -------------------------------------------------------------

    def configure(
        self, config: dict[str, str], secret_keys: set[str], provider_urn: str = "", provider_id: str = ""
    ) -> provider_pb2.ConfigureResponse:
        """Configure with the whole stack config: namespaced keys, string values, secrets wrapped."""
        args: PropertyMap = {k: make_secret(v) if k in secret_keys else v for k, v in config.items()}
        request = provider_pb2.ConfigureRequest(
            variables=dict(config),
            args=to_struct(args),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
            urn=provider_urn,
            name=provider_urn.rsplit("::", 1)[-1] if provider_urn else "",
            type=PROVIDER_TYPE,
            id=provider_id,
        )
        return self._call("Configure", request)

    def get_plugin_info(self) -> str:
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    def check(
        self, urn: str, olds: PropertyMap, news: PropertyMap, old_outputs: PropertyMap | None = None
    ) -> CheckResult:
        name, type_ = _name_type(urn)
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=urn,
                olds=to_struct(strip_secrets(olds)),
                news=to_struct(strip_secrets(news)),
                name=name,
                type=type_,
                old_outputs=to_struct(strip_secrets(old_outputs or {})),
            ),
        )
        failures = [(f.property, f.reason) for f in response.failures]
        return CheckResult(inputs=from_struct(response.inputs), failures=failures)

    def diff(
        self,
        urn: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
        ignore_changes: list[str],
    ) -> DiffResult:
        name, type_ = _name_type(urn)
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id_,
                urn=urn,
                olds=to_struct(strip_secrets(old_outputs)),
                news=to_struct(strip_secrets(news)),
                ignoreChanges=ignore_changes,
                old_inputs=to_struct(strip_secrets(old_inputs)),
                name=name,
                type=type_,
            ),
        )
        return DiffResult(
            changes=response.changes,
            replaces=list(response.replaces),
            stables=list(response.stables),
            delete_before_replace=response.deleteBeforeReplace,
            changed_keys=list(response.diffs),
            detailed_diff={
                k: provider_pb2.PropertyDiff.Kind.Name(v.kind).lower().replace("_", "-")
                for k, v in response.detailedDiff.items()
            },
        )

    def create(self, urn: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        name, type_ = _name_type(urn)
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=urn, properties=to_struct(strip_secrets(inputs)), name=name, type=type_
            ),
        )
        return response.id, from_struct(response.properties)

    def update(
        self,
        urn: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
        ignore_changes: list[str],
    ) -> PropertyMap:
        name, type_ = _name_type(urn)
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id_,
                urn=urn,
                olds=to_struct(strip_secrets(old_outputs)),
                news=to_struct(strip_secrets(news)),
                ignoreChanges=ignore_changes,
                old_inputs=to_struct(strip_secrets(old_inputs)),
                name=name,
                type=type_,
            ),
        )
        return from_struct(response.properties)

    def read(self, urn: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> ReadResult:
        name, type_ = _name_type(urn)
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id_,
                urn=urn,
                properties=to_struct(strip_secrets(outputs)),
                inputs=to_struct(strip_secrets(inputs)),
                name=name,
                type=type_,
            ),
        )
        new_inputs = from_struct(response.inputs) if response.HasField("inputs") else None
        return ReadResult(id=response.id, outputs=from_struct(response.properties), inputs=new_inputs)

    def delete(self, urn: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> None:
        name, type_ = _name_type(urn)
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id_,
                urn=urn,
                properties=to_struct(strip_secrets(outputs)),
                old_inputs=to_struct(strip_secrets(inputs)),
                name=name,
                type=type_,
            ),
        )


def _name_type(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    if len(parts) < 4:
        return "", ""
    return parts[-1], parts[-2].rsplit("$", 1)[-1]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    """Polls `predicate` until true or the deadline passes (tests use it instead of sleeping)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

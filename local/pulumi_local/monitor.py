"""The gRPC services a Pulumi program talks to: the ResourceMonitor and the Engine (logging, root resource).

This module only translates protobuf to plain values and back; every decision is the deployment's
(`engine.Deployment`). Features are advertised truthfully: secrets and alias specs are implemented, resource
references, output values, transforms, hooks, deletedWith and parameterized packages are not, so the SDK falls
back to what it does with an older engine.
"""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from pulumi_local.values import PropertyMap, from_struct, to_struct

SUPPORTED_FEATURES = {
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
}
LEGACY_FEATURES = {"secrets": True, "aliasSpecs": True}


@dataclass
class AliasSpec:
    """One alias as the SDK sends it with the aliasSpecs feature: a URN, or parts that default to the
    resource's."""

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent_urn: str = ""
    no_parent: bool = False


@dataclass
class Registration:
    """A RegisterResource request, in plain values."""

    type: str
    name: str
    parent: str
    custom: bool
    inputs: PropertyMap
    protect: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    delete_before_replace: bool | None
    ignore_changes: list[str]
    replace_on_changes: list[str]
    retain_on_delete: bool
    additional_secret_outputs: list[str]
    aliases: list[AliasSpec] = field(default_factory=list)
    import_id: str = ""
    provider: str = ""
    remote: bool = False


@dataclass
class Outcome:
    """What the engine hands back to the program for a registration."""

    urn: str
    id: str = ""
    outputs: PropertyMap = field(default_factory=dict)
    failed: bool = False


class EngineCallbacks(Protocol):
    dry_run: bool
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: set[str]

    def register(self, reg: Registration) -> Outcome: ...
    def register_outputs(self, urn: str, outputs: PropertyMap) -> None: ...
    def read_resource(
        self, type_: str, name: str, id_: str, parent: str, props: PropertyMap, deps: list[str]
    ) -> Outcome: ...
    def log(self, severity: str, message: str, urn: str, ephemeral: bool) -> None: ...


class MonitorError(Exception):
    """Raised inside a servicer to answer the program with a gRPC error carrying this message."""


class ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, engine: EngineCallbacks) -> None:
        self._engine = engine

    def GetDeploymentInfo(
        self, request: empty_pb2.Empty, context: grpc.ServicerContext
    ) -> resource_pb2.DeploymentInfo:
        return resource_pb2.DeploymentInfo(
            project=self._engine.project,
            stack=self._engine.stack,
            organization="organization",
            config=self._engine.config,
            configSecretKeys=sorted(self._engine.secret_keys),
            dryRun=self._engine.dry_run,
            parallel=16,
            supportedFeatures=sorted(SUPPORTED_FEATURES),
        )

    def SupportsFeature(
        self, request: resource_pb2.SupportsFeatureRequest, context: grpc.ServicerContext
    ) -> resource_pb2.SupportsFeatureResponse:
        return resource_pb2.SupportsFeatureResponse(hasSupport=LEGACY_FEATURES.get(request.id, False))

    def RegisterResource(
        self, request: resource_pb2.RegisterResourceRequest, context: grpc.ServicerContext
    ) -> resource_pb2.RegisterResourceResponse:
        reg = Registration(
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=request.custom,
            inputs=from_struct(request.object),
            protect=request.protect if request.HasField("protect") else False,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else False,
            additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=[_alias(a) for a in request.aliases] + [AliasSpec(urn=u) for u in request.aliasURNs],
            import_id=request.importId,
            provider=request.provider,
            remote=request.remote,
        )
        outcome = self._guard(context, lambda: self._engine.register(reg))
        return resource_pb2.RegisterResourceResponse(
            urn=outcome.urn,
            id=outcome.id,
            object=to_struct(outcome.outputs),
            result=resource_pb2.Result.FAIL if outcome.failed else resource_pb2.Result.SUCCESS,
        )

    def RegisterResourceOutputs(
        self, request: resource_pb2.RegisterResourceOutputsRequest, context: grpc.ServicerContext
    ) -> empty_pb2.Empty:
        self._guard(context, lambda: self._engine.register_outputs(request.urn, from_struct(request.outputs)))
        return empty_pb2.Empty()

    def ReadResource(
        self, request: resource_pb2.ReadResourceRequest, context: grpc.ServicerContext
    ) -> resource_pb2.ReadResourceResponse:
        outcome = self._guard(
            context,
            lambda: self._engine.read_resource(
                request.type,
                request.name,
                request.id,
                request.parent,
                from_struct(request.properties),
                list(request.dependencies),
            ),
        )
        return resource_pb2.ReadResourceResponse(
            urn=outcome.urn, id=outcome.id, properties=to_struct(outcome.outputs)
        )

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            f"pulumi-local does not support invokes (called {request.tok!r}): "
            "only dynamic resources are supported",
        )

    def Call(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED, "pulumi-local does not support method calls on components"
        )

    def SignalAndWaitForShutdown(
        self, request: empty_pb2.Empty, context: grpc.ServicerContext
    ) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    @staticmethod
    def _guard(context: grpc.ServicerContext, fn: Any) -> Any:
        try:
            return fn()
        except MonitorError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))


def _alias(alias: Any) -> AliasSpec:
    if alias.HasField("urn"):
        return AliasSpec(urn=alias.urn)
    spec = alias.spec
    return AliasSpec(
        name=spec.name,
        type=spec.type,
        stack=spec.stack,
        project=spec.project,
        parent_urn=spec.parentUrn if spec.HasField("parentUrn") else "",
        no_parent=spec.noParent if spec.HasField("noParent") else False,
    )


class EngineService(engine_pb2_grpc.EngineServicer):
    """Logging and the root-resource slot the SDK keeps in the engine."""

    def __init__(self, engine: EngineCallbacks) -> None:
        self._engine = engine
        self._root = ""
        self._lock = threading.Lock()

    def Log(self, request: engine_pb2.LogRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        self._engine.log(severity, request.message, request.urn, request.ephemeral)
        return empty_pb2.Empty()

    def GetRootResource(
        self, request: engine_pb2.GetRootResourceRequest, context: grpc.ServicerContext
    ) -> engine_pb2.GetRootResourceResponse:
        with self._lock:
            return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(
        self, request: engine_pb2.SetRootResourceRequest, context: grpc.ServicerContext
    ) -> engine_pb2.SetRootResourceResponse:
        with self._lock:
            self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


class MonitorServer:
    """Serves both services on 127.0.0.1:<free port>; a context manager that always stops the server."""

    def __init__(self, engine: EngineCallbacks, max_workers: int = 32) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers))
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(ResourceMonitor(engine), self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(EngineService(engine), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"

    def __enter__(self) -> MonitorServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None).wait(10)

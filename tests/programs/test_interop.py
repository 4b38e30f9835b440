"""pulumi-cloudflare (`pulumi_cloudflare`) resources as Worker binding values, under mocks.

The mocks give every pulumi-cloudflare resource an id that is none of its inputs, so a binding that carries
that id took it from the resource's `id` Output (the conversion under test), not from an input echoed back.
Mocks need neither the pulumi CLI nor the cloudflare plugin, so the resources are real `pulumi_cloudflare`
classes. Also: `examples/with-pulumi-cloudflare` under the same mocks, and that importing the SDK never
imports `pulumi_cloudflare`.
"""

from __future__ import annotations

import hashlib
import runpy
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi_cloudflare_workflows import Worker, Workflow
from pulumi_cloudflare_workflows_provider import rules
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
from sample_scripts import CLIENT

from tests.programs.support import (
    WORKER_TYPE,
    WORKFLOW_TYPE,
    EchoMocks,
    RecordingMonitor,
    Registration,
    install,
    project_name,
    run_program,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # its deprecated aliases warn when the package loads
    import pulumi_cloudflare as cloudflare

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "with-pulumi-cloudflare"
ACCOUNT = "c" * 32
SRC = (
    'import { WorkflowEntrypoint } from "cloudflare:workers";\n'
    "export class IngestWorkflow extends WorkflowEntrypoint { async run(e, s) {} }\n"
    "export default { fetch() { return new Response('ok'); } };\n"
)
R2_TYPE = "cloudflare:index/r2Bucket:R2Bucket"


class CloudflareMocks(EchoMocks):
    """pulumi-cloudflare resources get a made-up id (recorded in `ids`) and, for R2 buckets, the computed
    `jurisdiction` Cloudflare reports ("default" unless one was asked for). Everything else: `EchoMocks`."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.typ.startswith("cloudflare:"):
            return super().new_resource(args)
        outs = dict(args.inputs)
        if args.typ == R2_TYPE:
            outs.setdefault("jurisdiction", "default")
        rid = hashlib.sha256(f"{args.typ}::{args.name}".encode()).hexdigest()[:32]
        self.ids[args.name] = rid
        return rid, outs


def install_cf(project: str = "proj", stack: str = "dev") -> tuple[CloudflareMocks, RecordingMonitor]:
    mocks = CloudflareMocks()
    config = {"cloudflare-workflows:accountId": ACCOUNT}
    return mocks, install(project=project, stack=stack, config=config, mocks=mocks)


def check_worker(reg: Registration) -> None:
    """The provider's own rules and `check` (pure, offline) accept what the program registered."""
    assert rules.validate_bindings(reg.inputs["bindings"], script_name=reg.inputs["name"]) == []
    inputs = {k: v for k, v in reg.inputs.items() if k != "__provider"}
    result = WorkerProvider().check({}, inputs)
    assert result.failures == [], result.failures


def test_pulumi_cloudflare_resources_become_binding_bodies(real_runtime: bool) -> None:
    def program() -> None:
        kv = cloudflare.WorkersKvNamespace("cache", account_id=ACCOUNT, title="cache-title")
        bucket = cloudflare.R2Bucket("assets", account_id=ACCOUNT, name="assets-bucket")
        eu_bucket = cloudflare.R2Bucket("eu-assets", account_id=ACCOUNT, name="eu-bucket", jurisdiction="eu")
        db = cloudflare.D1Database("db", account_id=ACCOUNT, name="db-name")
        queue = cloudflare.Queue("jobs", account_id=ACCOUNT, queue_name="jobs-queue")
        script = cloudflare.WorkersScript(
            "greeter", account_id=ACCOUNT, script_name="greeter-script", content=CLIENT, main_module="g.mjs"
        )
        hyperdrive = cloudflare.HyperdriveConfig(
            "pg",
            account_id=ACCOUNT,
            name="pg-config",
            origin={
                "database": "app",
                "host": "db.example.com",
                "password": "pw",
                "scheme": "postgres",
                "user": "app",
            },
        )
        Worker(
            "api",
            script=SRC,
            bindings={
                "CACHE": kv,
                "ASSETS": bucket,
                "EU_ASSETS": eu_bucket,
                "DB": db,
                "JOBS": queue,
                "GREETER": script,
                "PG": hyperdrive,
                "INGEST": Workflow("ingest", class_name="IngestWorkflow"),
            },
        )

    mocks, m = install_cf()
    run_program(program, real_runtime=real_runtime)
    api = m.by_name("api")
    ids = mocks.ids
    assert api.inputs["bindings"] == {
        "CACHE": {"type": "kv_namespace", "namespace_id": ids["cache"]},
        # "default" jurisdiction: no jurisdiction key (Cloudflare's binding accepts only eu/fedramp/...).
        "ASSETS": {"type": "r2_bucket", "bucket_name": "assets-bucket"},
        "EU_ASSETS": {"type": "r2_bucket", "bucket_name": "eu-bucket", "jurisdiction": "eu"},
        "DB": {"type": "d1", "database_id": ids["db"]},
        "JOBS": {"type": "queue", "queue_name": "jobs-queue"},
        "GREETER": {"type": "service", "service": "greeter-script"},
        "PG": {"type": "hyperdrive", "id": ids["pg"]},
        "INGEST": {
            "type": "workflow",
            "workflow_name": "proj-dev-ingest",
            "class_name": "IngestWorkflow",
            "derived_name": True,
        },
    }
    check_worker(api)
    # The hosted Workflow still registers after its host, next to the pulumi-cloudflare bindings.
    assert m.by_name("ingest").dependencies == [api.urn]


def test_the_worker_depends_on_the_resources_it_binds_and_no_others() -> None:
    def program() -> None:
        kv = cloudflare.WorkersKvNamespace("cache", account_id=ACCOUNT, title="cache")
        cloudflare.WorkersKvNamespace("unbound", account_id=ACCOUNT, title="unbound")
        db = cloudflare.D1Database("db", account_id=ACCOUNT, name="db")
        queue = cloudflare.Queue("jobs", account_id=ACCOUNT, queue_name="jobs")
        script = cloudflare.WorkersScript(
            "greeter", account_id=ACCOUNT, script_name="greeter", content=CLIENT
        )
        bucket = cloudflare.R2Bucket("assets", account_id=ACCOUNT, name="assets")
        api = Worker(
            "api",
            script=CLIENT,
            bindings={"CACHE": kv, "DB": db, "JOBS": queue, "GREETER": script, "ASSETS": bucket},
        )
        # A re-exported binding carries the same resource: the client depends on it too.
        Worker("client", script=CLIENT, bindings={"CACHE": api.bindings["CACHE"]})

    mocks, m = install_cf()
    run_program(program)
    urn = {r.name: r.urn for r in m.registrations}
    api, client = m.by_name("api"), m.by_name("client")
    bound = {urn[n] for n in ("cache", "db", "jobs", "greeter", "assets")}
    assert bound <= set(api.dependencies)
    assert urn["unbound"] not in api.dependencies
    assert urn["cache"] in client.dependencies
    assert {urn["db"], urn["jobs"], urn["unbound"]}.isdisjoint(client.dependencies)
    assert client.inputs["bindings"]["CACHE"] == {"type": "kv_namespace", "namespace_id": mocks.ids["cache"]}


def _kv_entry() -> Any:
    return cloudflare.WorkersKv("entry", account_id=ACCOUNT, namespace_id="ns", key_name="k", value="v")


def _native_workflow() -> Any:
    return cloudflare.Workflow(
        "native", account_id=ACCOUNT, workflow_name="wf", class_name="Wf", script_name="host"
    )


def _provider() -> Any:
    return cloudflare.Provider("cf")


@pytest.mark.parametrize(
    ("make", "token", "hint"),
    [
        (_kv_entry, "cloudflare:index/workersKv:WorkersKv", "dict in Cloudflare's binding shape"),
        (_native_workflow, "cloudflare:index/workflow:Workflow", "WorkflowBinding(wf.workflow_name"),
        (_provider, "pulumi:providers:cloudflare", "dict in Cloudflare's binding shape"),
    ],
    ids=["kv-entry", "native-workflow", "provider"],
)
def test_an_unsupported_pulumi_cloudflare_resource_is_a_clear_type_error(
    make: Callable[[], Any], token: str, hint: str
) -> None:
    _, m = install_cf()
    value = make()
    with pytest.raises(TypeError) as info:
        Worker("api", script=CLIENT, bindings={"X": value})
    message = str(info.value)
    assert "binding 'X'" in message
    assert f"{type(value).__name__} ({token})" in message
    assert "WorkersKvNamespace, R2Bucket, D1Database, Queue, WorkersScript" in message
    assert hint in message
    assert m.of_type(WORKER_TYPE) == []


def test_recognition_is_by_type_token_and_a_missing_output_is_a_clear_error() -> None:
    """A CustomResource registered with a cloudflare type token is converted as that type, whatever its class;
    one without the 6.x output (a queue shaped like pulumi-cloudflare 5.x's, with `name`) says so instead of
    sending a body without `queue_name`."""

    def program() -> None:
        kv = pulumi.CustomResource(
            "cloudflare:index/workersKvNamespace:WorkersKvNamespace", "kv", {"title": "t"}
        )
        Worker("client", script=CLIENT, bindings={"CACHE": kv})

    mocks, m = install_cf()
    run_program(program)
    client = m.by_name("client")
    assert client.inputs["bindings"] == {"CACHE": {"type": "kv_namespace", "namespace_id": mocks.ids["kv"]}}
    assert m.by_name("kv").urn in client.dependencies

    old_queue = pulumi.CustomResource("cloudflare:index/queue:Queue", "old", {"name": "jobs"})
    with pytest.raises(TypeError, match=r"has no 'queue_name' output.*pulumi-cloudflare 6\.x.*dict"):
        Worker("api", script=CLIENT, bindings={"JOBS": old_queue})


def test_other_custom_resources_are_still_unsupported_values() -> None:
    install_cf()
    other = Worker("other", script=CLIENT)
    with pytest.raises(TypeError, match="unsupported value Worker"):
        Worker("api", script=CLIENT, bindings={"OTHER": other})


IMPORT_CHECK = """
import sys
import pulumi_cloudflare_workflows, pulumi_cloudflare_workflows.interop
import pulumi_cloudflare_workflows_provider.worker, pulumi_cloudflare_workflows_provider.workflow
{extra}
print(sorted(m for m in sys.modules if m.split(".")[0] == "pulumi_cloudflare"))
"""


@pytest.mark.parametrize("extra", ["", "import pulumi_cloudflare"], ids=["sdk-only", "control"])
def test_importing_the_sdk_does_not_import_pulumi_cloudflare(extra: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK.format(extra=extra)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.strip()
    if extra:
        assert "'pulumi_cloudflare'" in loaded  # the check does see the package when it is imported
    else:
        assert loaded == "[]"


def test_example_with_pulumi_cloudflare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    project = project_name(EXAMPLE)
    mocks, m = install_cf(project=project, stack="dev")
    run_program(lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__"))

    api, ingest = m.by_name("api"), m.by_name("ingest")
    prefix = f"{project}-dev"
    assert api.inputs["bindings"] == {
        "CACHE": {"type": "kv_namespace", "namespace_id": mocks.ids["cache"]},
        "UPLOADS": {"type": "r2_bucket", "bucket_name": f"{prefix}-uploads"},
        "DB": {"type": "d1", "database_id": mocks.ids["db"]},
        "JOBS": {"type": "queue", "queue_name": f"{prefix}-jobs"},
        "GREETER": {"type": "service", "service": f"{prefix}-greeter"},
        "INGEST": {
            "type": "workflow",
            "workflow_name": f"{prefix}-ingest",
            "class_name": "IngestWorkflow",
            "derived_name": True,
        },
    }
    cf_urns = {r.urn for r in m.registrations if r.type.startswith("cloudflare:")}
    assert len(cf_urns) == 5 and cf_urns <= set(api.dependencies)
    assert ingest.type == WORKFLOW_TYPE and ingest.dependencies == [api.urn]
    assert ingest.inputs["script_name"] == api.inputs["name"]
    greeter = m.by_name("greeter")
    assert greeter.inputs["content"] == (EXAMPLE / "workers" / "greeter.mjs").read_text()
    # pulumi-cloudflare's resources use its default provider: the config keys this package reads are its own.
    assert [r.name for r in m.registrations if r.type == "pulumi:providers:cloudflare"] == []
    check_worker(api)  # includes the preflight: workers/worker.mjs exports IngestWorkflow
    ingest_inputs = {k: v for k, v in ingest.inputs.items() if k != "__provider"}
    assert WorkflowProvider().check({}, ingest_inputs).failures == []

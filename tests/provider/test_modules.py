"""A pre-built multi-module Worker (`modules=`) through WorkerProvider against a real cloudflare-local: each
extra module is its own part on the wire and in the account, state holds their digests, refresh compares
every module, and `check` refuses names and imports Cloudflare would refuse."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx
import pytest
from pulumi_cloudflare_workflows_provider import plan
from pulumi_cloudflare_workflows_provider.cloudflare.errors import ConflictError
from sample_scripts import HOST_V1

from tests.provider.support import Providers

# The main module re-exports the Workflow class from another module of the upload.
MAIN = """import { label } from "./lib/label.mjs";
export { OrderWorkflow } from "./workflows.mjs";
export default { async fetch() { return new Response(label("v1")); } };
"""
LABEL = "export const label = (v) => `order ${v}`;\n"
WORKFLOWS = """import { WorkflowEntrypoint } from "cloudflare:workers";
import { label } from "./lib/label.mjs";
export class OrderWorkflow extends WorkflowEntrypoint {
  async run(event, step) { return await step.do("one", async () => label(1)); }
}
"""
MODULES = {"workflows.mjs": WORKFLOWS, "lib/label.mjs": LABEL}


def worker_inputs(p: Providers, modules: Any = MODULES, **over: Any) -> dict[str, Any]:
    return p.worker_inputs(
        "multi", script=MAIN, main_module="index.mjs", modules=modules, bindings=p.hosted("orders"), **over
    )


def stored_modules(p: Providers, name: str) -> dict[str, tuple[str, str]]:
    """What the account holds: GET the script (multipart, one part per module) -> {part: (type, source)}."""
    response = httpx.get(
        f"{p.server.api_base}/accounts/{p.account_id}/workers/scripts/{name}",
        headers={"Authorization": f"Bearer {p.server.token}"},
        timeout=30,
    )
    response.raise_for_status()
    head = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + response.content)
    return {
        str(part.get_param("name", header="content-disposition")): (
            part.get_content_type(),
            bytes(part.get_payload(decode=True)).decode(),
        )
        for part in message.iter_parts()
    }


def reads(p: Providers, since: int) -> list[str]:
    """The GETs of the script's code since `since`: `content/v2` or the whole script (`multi`)."""
    return [
        r["path"].rsplit("/", 1)[-1]
        for r in p.account_requests()[since:]
        if r["method"] == "GET" and r["path"].endswith(("/content/v2", "/scripts/multi", "/scripts/single"))
    ]


def test_each_extra_module_is_its_own_part_and_the_reexported_class_is_seen(providers: Providers) -> None:
    created = providers.worker.create(worker_inputs(providers))
    es_module = "application/javascript+module"
    assert stored_modules(providers, "multi") == {
        "index.mjs": (es_module, MAIN),
        "lib/label.mjs": (es_module, LABEL),
        "workflows.mjs": (es_module, WORKFLOWS),
    }
    # Cloudflare registers a workflow only for a class the main module exports: the re-export counts.
    providers.workflow.create(providers.workflow_inputs("orders", "multi"))
    outs = dict(created.outs)
    assert "modules" not in outs and outs["modules_sha256"] == {
        "lib/label.mjs": plan.digest(LABEL),
        "workflows.mjs": plan.digest(WORKFLOWS),
    }


def test_an_edited_module_is_an_update_of_modules_and_is_uploaded(providers: Providers) -> None:
    outs = dict(providers.worker.create(worker_inputs(providers)).outs)
    assert providers.worker.diff("multi", outs, worker_inputs(providers)).changes is False
    edited = {**MODULES, "lib/label.mjs": "export const label = (v) => `order #${v}`;\n"}
    news = worker_inputs(providers, edited)
    assert providers.worker.diff("multi", outs, news).changes is None
    assert plan.WORKER.diff(outs, news).changed == ["modules"]
    providers.worker.update("multi", outs, news)
    assert stored_modules(providers, "multi")["lib/label.mjs"][1] == edited["lib/label.mjs"]


@pytest.mark.parametrize("modules", [None, {}], ids=["none", "empty"])
def test_state_from_before_modules_does_not_diff(providers: Providers, modules: Any) -> None:
    # A Worker deployed by the previous release: neither `modules` nor `modules_sha256` in its state.
    outs = dict(providers.worker.create(providers.worker_inputs("single", script=HOST_V1)).outs)
    old_state = {k: v for k, v in outs.items() if k not in ("modules", "modules_sha256")}
    program = providers.worker_inputs("single", script=HOST_V1, modules=modules)
    assert providers.worker.diff("single", old_state, program).changes is False


def test_refresh_compares_every_module(providers: Providers) -> None:
    outs = dict(providers.worker.create(worker_inputs(providers)).outs)
    seen = len(providers.account_requests())
    unchanged = providers.worker.read("multi", outs)
    assert unchanged.inputs is not None and unchanged.inputs["modules"] == MODULES
    assert providers.worker.diff("multi", unchanged.outs, worker_inputs(providers)).changes is False
    # Somebody uploads another version of one extra module outside Pulumi.
    metadata = {"main_module": "index.mjs", "compatibility_date": "2025-04-01", "bindings": []}
    drifted_label = "export const label = (v) => `hand-edited ${v}`;\n"
    providers.worker.client().upload_script(
        providers.account_id,
        "multi",
        metadata,
        {"index.mjs": MAIN, "workflows.mjs": WORKFLOWS, "lib/label.mjs": drifted_label},
    )
    drifted = providers.worker.read("multi", outs)
    assert drifted.inputs is not None and drifted.inputs["script"] == MAIN
    assert drifted.inputs["modules"] == {**MODULES, "lib/label.mjs": drifted_label}
    assert drifted.outs["modules_sha256"]["lib/label.mjs"] == plan.digest(drifted_label)
    assert "modules" in plan.WORKER.diff(drifted.outs, worker_inputs(providers)).changed
    assert reads(providers, seen) == ["multi", "multi"]  # the whole script, not only the main module


def test_a_one_module_script_is_read_as_before(providers: Providers) -> None:
    outs = dict(providers.worker.create(providers.worker_inputs("single", script=HOST_V1)).outs)
    seen = len(providers.account_requests())
    read = providers.worker.read("single", outs)
    assert read.inputs is not None and read.inputs["modules"] is None
    assert reads(providers, seen) == ["v2"]  # content/v2, as every release read it


def test_import_compares_every_module(providers: Providers) -> None:
    providers.worker.create(worker_inputs(providers))
    import_id = f"{providers.account_id}/multi"
    imported = providers.worker.create(worker_inputs(providers, import_id=import_id))
    assert (
        imported.outs["modules_sha256"] == plan.WORKER.outputs(worker_inputs(providers), {})["modules_sha256"]
    )
    other = {**MODULES, "workflows.mjs": WORKFLOWS + "// changed\n"}
    with pytest.raises(ConflictError, match=r"differs from the program in modules") as raised:
        providers.worker.create(worker_inputs(providers, other, import_id=import_id))
    assert "modules.workflows.mjs" in str(raised.value)


@pytest.mark.parametrize(
    ("main", "modules", "prop", "reason"),
    [
        (MAIN, {**MODULES, "../up.mjs": LABEL}, "modules.../up.mjs", "relative path ending in .js or .mjs"),
        (MAIN, {**MODULES, "lib/data.txt": LABEL}, "modules.lib/data.txt", "relative path ending in .js or"),
        (MAIN, {**MODULES, "index.mjs": LABEL}, "modules.index.mjs", "is the main module: pass its source"),
        (MAIN, {**MODULES, "lib/empty.mjs": " "}, "modules.lib/empty.mjs", "non-empty ES-module source"),
        (
            MAIN,
            {"workflows.mjs": WORKFLOWS},
            "script",
            "index.mjs imports './lib/label.mjs', which is not one of the uploaded modules (index.mjs, "
            "workflows.mjs): add 'lib/label.mjs' to modules",
        ),
        (
            MAIN,
            {**MODULES, "lib/label.mjs": 'export { label } from "../label.mjs";'},
            "modules.lib/label.mjs",
            "lib/label.mjs imports '../label.mjs', which is not one of the uploaded modules",
        ),
    ],
    ids=["escapes", "not a js module", "the main module", "empty", "main imports a missing one", "a module"],
)
def test_check_refuses_what_cloudflare_would(
    providers: Providers, main: str, modules: dict[str, str], prop: str, reason: str
) -> None:
    news = {
        "account_id": providers.account_id,
        "name": "multi",
        "script": main,
        "main_module": "index.mjs",
        "modules": modules,
    }
    failures = [(f.property, f.reason) for f in providers.worker.check({}, news).failures]
    assert [p for p, r in failures if reason in r] == [prop], failures

"""Bundled and multi-module Workers through the real `pulumi` engine against cloudflare-local: a TypeScript
Worker deploys, an unchanged checkout previews as no change (from any directory), an edit of an imported
module previews as an update of `script`; a pre-built Worker's extra modules arrive as their own parts; a
state written before `modules` existed previews as no change; and without esbuild the program fails saying
how to install it."""

from __future__ import annotations

import json
import shutil
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import pytest
from pulumi_cloudflare_workflows import Worker
from pulumi_cloudflare_workflows.bundle import TESTED_ESBUILD_VERSION, BundleError, load_entrypoint
from pulumi_cloudflare_workflows_provider import plan

from tests.lifecycle.support import WORKER, WORKFLOW, Account, Project, copy_project
from tests.programs.support import install, run_program

PROGRAM = """\
import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

greetings = Workflow("greetings", class_name="GreetWorkflow")
api = Worker("api", entrypoint="src/index.ts", bindings={"GREETINGS": greetings})
pulumi.export("script_name", api.name)
"""
INDEX_TS = """\
import { WorkflowEntrypoint } from "cloudflare:workers";
import { greet } from "./lib/greet";

export class GreetWorkflow extends WorkflowEntrypoint<unknown, { name: string }> {
  async run(event: { payload: { name: string } }, step: any): Promise<string> {
    return await step.do("greet", async () => greet(event.payload.name));
  }
}

export default { async fetch(): Promise<Response> { return new Response(greet("world")); } };
"""
GREET_TS = "export const greet = (name: string): string => `hello ${name}`;\n"

PREBUILT = """\
from pathlib import Path

from pulumi_cloudflare_workflows import Worker, Workflow

dist = Path("dist")
orders = Workflow("orders", class_name="OrderWorkflow")
Worker(
    "multi",
    entrypoint=dist / "index.mjs",
    modules={name: (dist / name).read_text() for name in ("lib/label.mjs", "workflows.mjs")},
    bindings={"ORDERS": orders},
)
"""
PREBUILT_FILES = {
    "index.mjs": 'import { label } from "./lib/label.mjs";\n'
    'export { OrderWorkflow } from "./workflows.mjs";\n'
    'export default { async fetch() { return new Response(label("v1")); } };\n',
    "lib/label.mjs": "export const label = (v) => `order ${v}`;\n",
    "workflows.mjs": 'import { WorkflowEntrypoint } from "cloudflare:workers";\n'
    'import { label } from "./lib/label.mjs";\n'
    "export class OrderWorkflow extends WorkflowEntrypoint {\n"
    '  async run(event, step) { return await step.do("one", async () => label(1)); }\n}\n',
}


@pytest.fixture
def account(cloudflare_local: Any, account_id: str, pulumi_engine: Path) -> Account:
    return Account(cloudflare_local, account_id)


def write_files(root: Path, files: dict[str, str], esbuild: Path | None = None) -> None:
    """`files` under `root`, with esbuild installed as npm would (node_modules/.bin)."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if esbuild is not None:
        (root / "node_modules" / ".bin").mkdir(parents=True)
        (root / "node_modules" / ".bin" / "esbuild").symlink_to(esbuild)


def write_program(
    root: Path, account: Account, files: dict[str, str], esbuild: Path | None = None
) -> Project:
    """A Pulumi program in `root`: its `Pulumi.yaml` and `files`."""
    write_files(root, {"Pulumi.yaml": "name: cfwf-bundling\nruntime: python\n", **files}, esbuild)
    return Project(root, account, root.parent)


TYPESCRIPT_FILES = {"__main__.py": PROGRAM, "src/index.ts": INDEX_TS, "src/lib/greet.ts": GREET_TS}


def typescript_program(root: Path, account: Account, esbuild: Path | None) -> Project:
    return write_program(root, account, TYPESCRIPT_FILES, esbuild)


def stored_modules(account: Account, script: str) -> dict[str, str]:
    """The account's copy of a script, read back over the API: {module name: source}."""
    response = account.http.get(f"/workers/scripts/{script}")
    response.raise_for_status()
    head = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + response.content)
    return {
        str(part.get_param("name", header="content-disposition")): bytes(
            part.get_payload(decode=True)
        ).decode()
        for part in message.iter_parts()
    }


def state_of(stack: Any, name: str) -> dict[str, Any]:
    resources = stack.export()["deployment"]["resources"]
    return dict(next(r for r in resources if r["urn"].endswith(f"{WORKER}::{name}")))


def test_a_typescript_worker_deploys_and_previews_exactly_what_changed(
    tmp_path: Path, account: Account, esbuild: Path
) -> None:
    project = typescript_program(tmp_path / "checkout", account, esbuild)
    stack = project.stack()
    up = stack.up(skip_preview=True)
    assert up.ok, up.text
    script_name = stack.outputs()["script_name"]
    stored = stored_modules(account, script_name)
    assert list(stored) == ["index.js"]  # index.ts, bundled into one module
    bundle = stored["index.js"]
    assert "hello ${name}" in bundle and "./lib/greet" not in bundle and "interface" not in bundle
    state = state_of(stack, "api")
    assert state["inputs"]["script"] == bundle and state["outputs"]["script_sha256"] == plan.digest(bundle)
    assert account.workflows()[f"{stack.project}-dev-greetings"]["class_name"] == "GreetWorkflow"

    # The same sources: no change, whether bundled again here or in a checkout somewhere else.
    unchanged = stack.preview(expect_no_changes=True)
    assert unchanged.ok, unchanged.text
    elsewhere = shutil.copytree(project.dir, tmp_path / "another" / "place" / "checkout", symlinks=True)
    other = Project(elsewhere, account, tmp_path / "another").stack()
    preview = other.preview()
    assert preview.ok, preview.text
    assert preview.step("api", WORKER).inputs["script"] == bundle

    # A PR edits the imported module: the Worker's script changes, nothing else does, no API call is made.
    mark = account.mark()
    project.edit("`hello ${name}`", "`hello, ${name}!`", "src/lib/greet.ts")
    preview = stack.preview(diff=True)
    assert preview.ok, preview.text
    step = preview.step("api", WORKER)
    assert step.op == "update" and step.diff_reasons == ["script"]
    assert preview.step("greetings", WORKFLOW).op == "same"
    assert account.requests_since(mark) == []
    text = stack.preview(diff=True, text=True).stdout
    assert "hello, ${name}!" in text, text  # the changed line, as a reviewer reads it
    assert stack.up(skip_preview=True).ok
    assert "hello, ${name}!" in stored_modules(account, script_name)["index.js"]
    assert stack.destroy(skip_preview=True).ok
    assert account.is_empty()


def test_extra_modules_arrive_as_their_own_parts(tmp_path: Path, account: Account) -> None:
    files = {"__main__.py": PREBUILT, **{f"dist/{name}": text for name, text in PREBUILT_FILES.items()}}
    project = write_program(tmp_path / "prebuilt", account, files)
    stack = project.stack()
    up = stack.up(skip_preview=True)
    assert up.ok, up.text
    script = f"{stack.project}-dev-multi"
    assert stored_modules(account, script) == PREBUILT_FILES
    assert stack.preview(expect_no_changes=True).ok

    project.edit("`order ${v}`", "`order #${v}`", "dist/lib/label.mjs")
    preview = stack.preview(diff=True)
    assert preview.ok, preview.text
    assert preview.step("multi", WORKER).diff_reasons == ["modules"]
    assert stack.up(skip_preview=True).ok
    assert stored_modules(account, script)["lib/label.mjs"] == "export const label = (v) => `order #${v}`;\n"
    assert stack.refresh(skip_preview=True, expect_no_changes=True).ok  # every module read back, none drifted
    assert stack.destroy(skip_preview=True).ok
    assert account.is_empty()


def test_a_single_file_worker_keeps_the_state_of_the_previous_release(
    tmp_path: Path, account: Account
) -> None:
    project = copy_project("minimal", tmp_path, account)
    stack = project.stack()
    assert stack.up(skip_preview=True).ok
    # Uploaded as it always was: the file's bytes, so its digest is the file's; and neither `modules` nor
    # `modules_sha256` in the state, which is what the previous release wrote.
    state = state_of(stack, "my-worker")
    source = (project.dir / "workers" / "worker.mjs").read_text()
    assert state["inputs"]["script"] == source and state["outputs"]["script_sha256"] == plan.digest(source)
    assert "modules" not in state["inputs"] and "modules_sha256" not in state["outputs"]
    preview = stack.preview(expect_no_changes=True)
    assert preview.ok, preview.text
    assert stack.destroy(skip_preview=True).ok


def test_without_esbuild_the_program_says_how_to_install_it(tmp_path: Path, account: Account) -> None:
    # The Worker hosts a Workflow: its failure fails the Workflow's outputs too, so the Workflow never
    # registers as unhosted and the engine prints the Worker's own error, not a "not hosted" one.
    project = write_program(tmp_path / "no-esbuild", account, {**TYPESCRIPT_FILES, "__main__.py": PROGRAM})
    stack = project.stack()
    assert shutil.which("esbuild", path=stack.env["PATH"]) is None
    preview = stack.preview()
    assert not preview.ok
    expected = (
        "Worker 'api': entrypoint: install esbuild with "
        f"`npm install --save-dev esbuild@{TESTED_ESBUILD_VERSION}` in the program's directory: "
        "src/index.ts must be bundled (it is TypeScript)"
    )
    assert expected in preview.text, preview.text
    assert "not hosted" not in preview.text, preview.text
    # A program-side error is a pulumi.RunError: its message alone, no traceback through the SDK.
    assert "Traceback" not in preview.text and "unhandled exception" not in preview.text, preview.text
    assert json.dumps(account.requests()) == "[]"


# --- what the program registers (under mocks) ---------------------------------------------------------------


def registered_worker(body: Any) -> dict[str, Any]:
    monitor = install(config={"cloudflare-workflows:accountId": "a" * 32})
    run_program(body, real_runtime=False)
    (worker,) = monitor.of_type(WORKER)
    return worker.inputs


def test_a_typescript_entrypoint_registers_its_bundle(tmp_path: Path, esbuild: Path) -> None:
    write_files(tmp_path, TYPESCRIPT_FILES, esbuild)
    entry = tmp_path / "src" / "index.ts"
    inputs = registered_worker(lambda: Worker("api", entrypoint=entry))
    assert inputs["main_module"] == "index.js"
    assert inputs["script"] == load_entrypoint(entry).source
    assert inputs.get("modules") is None


def test_extra_modules_are_registered_and_checked_while_the_program_runs(tmp_path: Path) -> None:
    write_files(tmp_path, PREBUILT_FILES)
    modules = {name: text for name, text in PREBUILT_FILES.items() if name != "index.mjs"}
    inputs = registered_worker(lambda: Worker("multi", entrypoint=tmp_path / "index.mjs", modules=modules))
    assert (inputs["main_module"], inputs["script"]) == ("index.mjs", PREBUILT_FILES["index.mjs"])
    assert inputs["modules"] == modules
    missing = {"workflows.mjs": modules["workflows.mjs"]}
    with pytest.raises(ValueError, match=r"^Worker 'multi': script: index\.mjs imports './lib/label\.mjs'"):
        registered_worker(lambda: Worker("multi", entrypoint=tmp_path / "index.mjs", modules=missing))
    (tmp_path / "index.ts").write_text(PREBUILT_FILES["index.mjs"])
    with pytest.raises(BundleError, match=r"^Worker 'multi': entrypoint: pass the built \.js/\.mjs file"):
        registered_worker(lambda: Worker("multi", entrypoint=tmp_path / "index.ts", modules=modules))

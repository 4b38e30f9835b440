"""The SDK's entrypoint loader (sdk/bundle.py) with the repo's real esbuild: when it bundles and when a file
is uploaded as it is, where esbuild is found, byte-identical bundles across checkouts and runs, and errors
that lead with what to do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pulumi_cloudflare_workflows.bundle import (
    TESTED_ESBUILD_VERSION,
    BundleError,
    find_esbuild,
    load_entrypoint,
    needs_bundling,
)
from pulumi_cloudflare_workflows_provider import exports
from pulumi_cloudflare_workflows_provider.exports import read_imports

REPO = Path(__file__).resolve().parents[2]

INDEX_TS = """\
import { WorkflowEntrypoint } from "cloudflare:workers";
import { greet } from "./lib/greet";
import { shout } from "shout";

interface Env { GREETING: string }

export class GreetWorkflow extends WorkflowEntrypoint<Env, { name: string }> {
  async run(event: { payload: { name: string } }): Promise<string> {
    return shout(greet(event.payload.name));
  }
}

export default { async fetch(): Promise<Response> { return new Response(greet("world")); } };
"""
GREET_TS = "export const greet = (name: string): string => `hello ${name}`;\n"
SHOUT_PACKAGE = {"name": "shout", "version": "1.0.0", "module": "index.js", "main": "index.cjs"}
SHOUT_JS = "export const shout = (text) => text.toUpperCase();\n"


def write_project(root: Path) -> Path:
    """A TypeScript Worker with a relative import and an npm package; returns its entrypoint."""
    (root / "src" / "lib").mkdir(parents=True)
    (root / "src" / "index.ts").write_text(INDEX_TS)
    (root / "src" / "lib" / "greet.ts").write_text(GREET_TS)
    package = root / "node_modules" / "shout"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps(SHOUT_PACKAGE))
    (package / "index.js").write_text(SHOUT_JS)
    return root / "src" / "index.ts"


def install_esbuild(program: Path, esbuild: Path) -> Path:
    """esbuild where npm puts it: the program's node_modules/.bin."""
    bin_dir = program / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "esbuild").symlink_to(esbuild)
    return bin_dir / "esbuild"


@pytest.fixture(autouse=True)
def no_node_modules_above(tmp_path: Path) -> None:
    """The search walks upward: nothing above the test's folder may hold an esbuild of its own."""
    assert all(not (p / "node_modules").exists() for p in tmp_path.parents), "a node_modules above tmp_path"


# --- when to bundle -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "bundle"),
    [
        ('import { WorkflowEntrypoint } from "cloudflare:workers";\nexport class A {}', False),
        ('import { Buffer } from "node:buffer";\nexport default {}', False),
        ('// import x from "./x.mjs"\nconst s = "import(\'./y.mjs\')";\nexport default {}', False),
        ('import { x } from "./x.mjs";\nexport default { x }', True),
        ('import "./setup.js";\nexport default {}', True),
        ('import { Hono } from "hono";\nexport default new Hono()', True),
        ('export { A } from "./a.mjs";', True),
        ('export * from "./a.mjs";', True),
        ('export default { async fetch() { return (await import("./lazy.mjs")).default(); } }', True),
    ],
    ids=[
        "cloudflare import",
        "node import",
        "import in a comment or string",
        "relative import",
        "side-effect import",
        "npm package",
        "re-export",
        "export star",
        "dynamic import",
    ],
)
def test_a_js_module_is_bundled_only_when_it_imports_more_than_the_runtime(source: str, bundle: bool) -> None:
    assert needs_bundling(Path("worker.mjs"), source) is bundle


def test_typescript_is_always_bundled() -> None:
    assert needs_bundling(Path("index.ts"), "export default {}")
    assert needs_bundling(Path("index.mts"), "export default {}")


def test_a_single_file_module_is_uploaded_as_read_without_esbuild(tmp_path: Path) -> None:
    # What every Worker had before bundling: same name, same bytes, so the same digest in state.
    source = (REPO / "examples" / "minimal" / "workers" / "worker.mjs").read_text()
    entry = tmp_path / "worker.mjs"
    entry.write_bytes(source.encode())
    loaded = load_entrypoint(entry, cwd=tmp_path, search_path="")
    assert (loaded.main_module, loaded.source, loaded.bundled) == ("worker.mjs", source, False)


def test_a_prebuilt_entrypoint_with_imports_is_not_bundled_when_modules_are_passed(tmp_path: Path) -> None:
    entry = tmp_path / "index.mjs"
    entry.write_text('import { x } from "./lib.mjs";\nexport default { x };\n')
    loaded = load_entrypoint(entry, bundle=False, cwd=tmp_path, search_path="")
    assert (loaded.main_module, loaded.source, loaded.bundled) == ("index.mjs", entry.read_text(), False)


def test_a_typescript_entrypoint_cannot_be_prebuilt(tmp_path: Path) -> None:
    entry = write_project(tmp_path)
    with pytest.raises(BundleError, match=r"^pass the built \.js/\.mjs file as entrypoint, or drop modules="):
        load_entrypoint(entry, bundle=False, cwd=tmp_path, search_path="")


# --- bundling -----------------------------------------------------------------------------------------------


def test_typescript_and_its_imports_become_one_module(tmp_path: Path, esbuild: Path) -> None:
    entry = write_project(tmp_path)
    loaded = load_entrypoint(entry, cwd=tmp_path, search_path=str(esbuild.parent))
    assert loaded.bundled and loaded.main_module == "index.js"
    assert loaded.warnings == ""
    imports = read_imports(loaded.source).specifiers
    assert imports == {"cloudflare:workers"}  # ./lib/greet and the npm package are inlined; the runtime's not
    assert "text.toUpperCase()" in loaded.source and "hello ${name}" in loaded.source
    assert "interface Env" not in loaded.source  # TypeScript is gone
    assert exports.module_exports(loaded.source) == {"GreetWorkflow", "default"}


def test_an_mts_entrypoint_becomes_an_mjs_module(tmp_path: Path, esbuild: Path) -> None:
    (tmp_path / "index.mts").write_text("export default { fetch: (): Response => new Response('x') };\n")
    loaded = load_entrypoint(tmp_path / "index.mts", cwd=tmp_path, search_path=str(esbuild.parent))
    assert loaded.main_module == "index.mjs"


def test_bundles_are_byte_identical_across_checkouts_and_runs(tmp_path: Path, esbuild: Path) -> None:
    checkouts = [tmp_path / "a", tmp_path / "elsewhere" / "deeper" / "b"]
    bundles = []
    for checkout in checkouts:
        entry = write_project(checkout)
        for _ in range(2):
            loaded = load_entrypoint(entry, cwd=checkout, search_path=str(esbuild.parent))
            bundles.append(loaded.source.encode())
    assert len(set(bundles)) == 1
    text = bundles[0].decode()
    assert str(tmp_path) not in text and "/tmp" not in text  # no absolute path, wherever it ran
    assert "// lib/greet.ts" in text and "// ../node_modules/shout/index.js" in text  # relative comments


def test_node_imports_stay_external_and_need_nodejs_compat(tmp_path: Path, esbuild: Path) -> None:
    (tmp_path / "index.ts").write_text(
        'import { Buffer } from "node:buffer";\nexport default { size: Buffer.from("ab").length };\n'
    )
    found = str(esbuild.parent)
    with pytest.raises(BundleError, match=r'^add compatibility_flags=\["nodejs_compat"\]: .* node:buffer'):
        load_entrypoint(tmp_path / "index.ts", cwd=tmp_path, search_path=found)
    loaded = load_entrypoint(
        tmp_path / "index.ts", compatibility_flags=["nodejs_compat"], cwd=tmp_path, search_path=found
    )
    assert read_imports(loaded.source).specifiers == {"node:buffer"}


def test_esbuild_errors_lead_with_what_to_do_and_show_its_message(tmp_path: Path, esbuild: Path) -> None:
    entry = write_project(tmp_path)
    (tmp_path / "src" / "lib" / "greet.ts").write_text("export const greet = (name: string =>;\n")
    with pytest.raises(BundleError) as raised:
        load_entrypoint(entry, cwd=tmp_path, search_path=str(esbuild.parent))
    message = str(raised.value)
    assert message.startswith(f"fix what esbuild reports for {entry.absolute()} (below), then run again")
    assert "lib/greet.ts:1:" in message and "ERROR" in message  # esbuild's own report, with the place


def test_esbuild_warnings_are_passed_on_and_do_not_fail(tmp_path: Path, esbuild: Path) -> None:
    (tmp_path / "index.ts").write_text(
        "export default { fetch: (x: number) => new Response(String(x === -0)) };\n"
    )
    loaded = load_entrypoint(tmp_path / "index.ts", cwd=tmp_path, search_path=str(esbuild.parent))
    assert loaded.bundled and "[WARNING] Comparison with -0" in loaded.warnings


def test_an_esbuild_that_hangs_is_stopped(tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "esbuild"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(0o755)
    entry = write_project(tmp_path / "program")
    with pytest.raises(BundleError, match=r"^run `.*esbuild \./index\.ts --bundle` in .* longer than 0\.5 s"):
        load_entrypoint(entry, cwd=tmp_path, search_path=str(fake.parent), timeout=0.5)


# --- finding esbuild ----------------------------------------------------------------------------------------


def test_esbuild_is_found_in_node_modules_above_the_entrypoint(tmp_path: Path, esbuild: Path) -> None:
    installed = install_esbuild(tmp_path / "program", esbuild)
    entry = tmp_path / "program" / "workers" / "api" / "index.ts"
    assert find_esbuild(entry, cwd=tmp_path / "somewhere-else", search_path="") == installed


def test_esbuild_is_found_in_node_modules_above_the_working_directory(tmp_path: Path, esbuild: Path) -> None:
    installed = install_esbuild(tmp_path / "program", esbuild)
    entry = tmp_path / "shared" / "workers" / "index.ts"
    assert find_esbuild(entry, cwd=tmp_path / "program" / "infra", search_path="") == installed


def test_the_programs_esbuild_comes_before_path(tmp_path: Path, esbuild: Path) -> None:
    installed = install_esbuild(tmp_path / "program", esbuild)
    entry = tmp_path / "program" / "index.ts"
    assert find_esbuild(entry, cwd=tmp_path, search_path=str(esbuild.parent)) == installed
    assert find_esbuild(tmp_path / "other" / "index.ts", cwd=tmp_path, search_path=str(esbuild.parent)) == (
        esbuild.parent / "esbuild"
    )


def test_no_esbuild_anywhere_says_how_to_install_it(tmp_path: Path) -> None:
    entry = write_project(tmp_path)
    assert find_esbuild(entry, cwd=tmp_path, search_path="") is None
    with pytest.raises(BundleError) as raised:
        load_entrypoint(entry, cwd=tmp_path, search_path="")
    message = str(raised.value)
    assert message.startswith(
        f"install esbuild with `npm install --save-dev esbuild@{TESTED_ESBUILD_VERSION}` in the program's "
        "directory"
    )
    assert "(it is TypeScript)" in message and str(tmp_path / "src") in message


def test_the_install_hint_names_the_esbuild_the_tests_run(esbuild: Path) -> None:
    package = json.loads((REPO / "local" / "node" / "package.json").read_text())
    assert package["dependencies"]["esbuild"] == TESTED_ESBUILD_VERSION
    done = subprocess.run([str(esbuild), "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == TESTED_ESBUILD_VERSION


def test_path_is_the_default_search_path(
    tmp_path: Path, esbuild: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(esbuild.parent))
    assert find_esbuild(tmp_path / "index.ts", cwd=tmp_path) == esbuild.parent / "esbuild"
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "empty")]))
    assert find_esbuild(tmp_path / "index.ts", cwd=tmp_path) is None
    assert shutil.which("esbuild") is None

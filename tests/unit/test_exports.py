"""One corpus of ES-module export forms for the project's one export reader, through both of its users: the
provider's preflight (`exports.module_exports`, `exports.missing_classes`) and cloudflare-local's refusals
(`cloudflare_local.exports.parse_exports`). A form either gets wrong fails here for both."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cloudflare_local.exports import parse_exports
from pulumi_cloudflare_workflows_provider import exports

CORPUS: list[tuple[str, str, set[str]]] = [
    ("class", "export class A extends WorkflowEntrypoint {}", {"A"}),
    ("async function", "export async function b() {}", {"b"}),
    ("generator", "export function* gen() {}", {"gen"}),
    ("several declarators", "export const a = 1, B = class {}", {"a", "B"}),
    ("object destructuring", "export const { A } = m", {"A"}),
    ("renamed and rest destructuring", "export const { a: Renamed, ...rest } = m", {"Renamed", "rest"}),
    ("array destructuring with a default", "export let [first, second = 2] = pair", {"first", "second"}),
    ("var", "export var legacy = 1", {"legacy"}),
    ("list with renames", "let x, y, z; export { x, y as Why, z as default }", {"x", "Why", "default"}),
    ("string export name", 'const v = 1; export { v as "kebab-name" }', {"kebab-name"}),
    ("re-export", 'export { Remote, Other as Alias } from "./remote.js"', {"Remote", "Alias"}),
    ("namespace re-export", 'export * as ns from "./ns.js"', {"ns"}),
    ("default class", "export default class Main {}", {"default"}),
    ("default object", "export default { async fetch() { return new Response('x'); } }", {"default"}),
    (
        "comments, strings, templates and regexes are not code",
        "// export class InLineComment {}\n/* export class InBlock {} */\n"
        'const s = "export class InString {}";\nconst t = `export class InTemplate ${"x"} {}`;\n'
        "const r = /export class InRegex {}/g;\nconst half = 10 / 2; export class Real {}",
        {"Real"},
    ),
    ("not exported", "class Hidden {}\nexport default {}", {"default"}),
]


def provider_reader(source: str) -> set[str] | None:
    return exports.module_exports(source)


def local_reader(source: str) -> set[str] | None:
    exports = parse_exports(source)
    return None if exports.open_ended or not exports.parses else set(exports.names)


@pytest.mark.parametrize("reader", [provider_reader, local_reader], ids=["provider", "cloudflare-local"])
@pytest.mark.parametrize(("form", "source", "names"), CORPUS, ids=[c[0] for c in CORPUS])
def test_every_export_form(
    reader: Callable[[str], set[str] | None], form: str, source: str, names: set[str]
) -> None:
    assert reader(source) == names


@pytest.mark.parametrize("reader", [provider_reader, local_reader], ids=["provider", "cloudflare-local"])
def test_export_star_or_a_parse_error_leaves_the_answer_open(
    reader: Callable[[str], set[str] | None],
) -> None:
    assert reader('export * from "./workflows.js";\nexport default {};') is None
    assert reader("export class Broken {") is None


def test_the_preflight_accepts_the_forms_it_used_to_refuse() -> None:
    """`export const a = 1, B = class {}` and `export const { A } = m` were reported as missing."""
    assert exports.missing_classes("export const a = 1, B = class {}", ["B"]) == []
    assert exports.missing_classes("export const { A } = m", ["A"]) == []
    assert exports.missing_classes("export const a = 1", ["B"]) == ["B"]


def test_cloudflare_local_knows_what_is_exported_and_what_may_be() -> None:
    assert parse_exports("export class A {}").exports("A") is True
    assert parse_exports("export class A {}").exports("B") is False
    assert parse_exports('export * from "./x.js"').exports("B") is None

"""The ES-module export scanner behind Cloudflare's "class not exported" refusals."""

from __future__ import annotations

from cloudflare_local.exports import parse_exports


def test_declarations_and_lists() -> None:
    source = """
    export class A extends WorkflowEntrypoint {}
    export async function b() {}
    export function* gen() {}
    export const c = 1, d = f(1, 2), [e, f2] = pair, { g, h: hh } = obj;
    let x, y, z;
    export { x, y as Why, z as default };
    export * as ns from "./ns.js";
    """
    exports = parse_exports(source)
    assert exports.names == {"A", "b", "gen", "c", "d", "e", "f2", "g", "hh", "x", "Why", "default", "ns"}
    assert exports.has_star is False
    assert exports.exports("A") is True
    assert exports.exports("y") is False


def test_comments_strings_templates_and_regexes_are_not_code() -> None:
    source = r"""
    // export class InLineComment {}
    /* export class InBlockComment {} */
    const s = "export class InString {}";
    const t = `export class InTemplate ${"x"} {}`;
    const r = /export class InRegex {}/g;
    const half = 10 / 2; export class Real {}
    """
    assert parse_exports(source).names == {"Real"}


def test_export_star_makes_the_answer_unknown() -> None:
    exports = parse_exports('export * from "./workflows.js";\nexport default {};')
    assert exports.has_star is True
    assert exports.exports("default") is True
    assert exports.exports("Anything") is None


def test_default_export_of_a_class() -> None:
    assert parse_exports("export default class Main {}").names == {"default"}

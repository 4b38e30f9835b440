"""The names an ES module exports, read with a real JavaScript parser (tree-sitter's JavaScript grammar).

One reader for the whole project: the provider's `check` uses it to refuse, before any upload, a Worker that
hosts a Workflow whose class its script does not export, and cloudflare-local uses it to refuse the same
upload as Cloudflare does. Every ES2022 export form counts: declarations (`export class`, `export async
function`, `export const a = 1, B = class {}`, destructuring `export const { A, b: C, ...R } = m`), lists
with renames and string names (`export { x as "name", y as default }`), re-exports (`export { A } from "m"`,
`export * as ns from "m"`) and `export default`. `export * from "m"` makes the set open-ended: the other
module is not at hand.

The same parse tells the SDK which modules a file imports (:func:`read_imports`): an entrypoint that imports
nothing but ``cloudflare:*``/``node:*`` is uploaded as it is, anything else is bundled. A real parser, not a
regular expression, so an import in a comment or a string never counts.

tree-sitter is imported on first use, so importing the provider stays light; the parse of a 1 MB bundle
takes milliseconds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tree_sitter

__all__ = [
    "ModuleExports",
    "ModuleImports",
    "missing_classes",
    "module_exports",
    "read_exports",
    "read_imports",
]

# Where an `import(...)` call may start; the parse decides whether it is one (not a comment, not a string).
_DYNAMIC_IMPORT = re.compile(rb"\bimport\s*\(")

# Nodes whose identifiers are bound by a destructuring pattern (`{ A, b: C, ...R }`, `[x, y = 1]`).
_PATTERN_NAME_NODES = ("identifier", "shorthand_property_identifier_pattern")


@dataclass(frozen=True)
class ModuleExports:
    """Exported names; `open_ended` when an `export * from` may add any name; `parses` is False when the
    source is not valid JavaScript (then nothing is known: Cloudflare's own parser has the last word)."""

    names: frozenset[str] = field(default_factory=frozenset)
    open_ended: bool = False
    parses: bool = True

    def exports(self, name: str) -> bool | None:
        """True/False when known; None when an `export *` (or a parse failure) leaves it open."""
        if name in self.names:
            return True
        return None if self.open_ended or not self.parses else False


@dataclass(frozen=True)
class ModuleImports:
    """Module specifiers a source imports; `parses` is False when it is not valid JavaScript (then the list
    may be incomplete). An `import(name)` with a computed name cannot be known and is not listed."""

    specifiers: frozenset[str] = field(default_factory=frozenset)
    parses: bool = True


@functools.cache
def _parser() -> tree_sitter.Parser:
    import tree_sitter
    import tree_sitter_javascript

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))


@functools.lru_cache(maxsize=8)
def read_exports(source: str) -> ModuleExports:
    """What `source`, an ES module, exports. Memoised (the result is immutable): one Worker's ``check`` asks
    for the same script's exports once per rule that needs them (hosted workflows, Durable Objects, their
    transitions), and a 500 KiB bundle takes about 140 ms to parse."""
    root = _parser().parse(source.encode("utf-8")).root_node
    names: set[str] = set()
    open_ended = False
    for statement in root.children:
        if statement.type != "export_statement":
            continue
        if any(child.type == "default" for child in statement.children):
            names.add("default")
            continue
        declaration = statement.child_by_field_name("declaration")
        if declaration is not None:
            names.update(_declared(declaration))
            continue
        for child in statement.children:
            if child.type == "export_clause":
                names.update(_specified(child))
            elif child.type == "namespace_export":
                names.update(_text(n) for n in child.children if n.type in ("identifier", "string"))
            elif child.type == "*":
                open_ended = True
    return ModuleExports(frozenset(names), open_ended, not root.has_error)


def read_imports(source: str) -> ModuleImports:
    """What `source`, an ES module, imports: `import ... from "m"`, `import "m"`, `export ... from "m"`, and
    `import("m")` with a literal string anywhere in the code."""
    data = source.encode("utf-8")
    root = _parser().parse(data).root_node
    found: set[str] = set()
    for statement in root.children:
        if statement.type in ("import_statement", "export_statement"):
            specifier = statement.child_by_field_name("source")
            if specifier is not None:
                found.add(_text(specifier))
    for match in _DYNAMIC_IMPORT.finditer(data):
        keyword = root.descendant_for_byte_range(match.start(), match.start() + len("import"))
        while keyword is not None and keyword.parent is not None and keyword.parent.type == "import":
            keyword = keyword.parent  # the keyword token inside the call's `import` node
        call = keyword.parent if keyword is not None else None
        if call is None or call.type != "call_expression" or call.child_by_field_name("function") != keyword:
            continue
        arguments = call.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        if first is not None and first.type == "string":
            found.add(_text(first))
        elif first is not None and first.type == "template_string":
            parts = first.named_children
            if all(part.type == "string_fragment" for part in parts):  # `./x.js`, no ${...} in it
                found.add("".join(_text(part) for part in parts))
    return ModuleImports(frozenset(found), not root.has_error)


def module_exports(source: str) -> set[str] | None:
    """Names an ES module exports, or ``None`` when that cannot be known statically (``export * from``, or a
    module that does not parse: Cloudflare's own parser then has the last word)."""
    exports = read_exports(source)
    if exports.open_ended or not exports.parses:
        return None
    return set(exports.names)


def missing_classes(source: Any, classes: Iterable[str]) -> list[str]:
    """Classes from `classes` that `source` does not export (empty when unknowable or all present)."""
    if not isinstance(source, str):
        return []
    exported = module_exports(source)
    if exported is None:
        return []
    return sorted({c for c in classes if isinstance(c, str) and c not in exported})


def _text(node: Any) -> str:
    if node.type == "string":
        return "".join(_text(c) for c in node.children if c.type == "string_fragment")
    return str(node.text.decode("utf-8"))


def _declared(declaration: Any) -> set[str]:
    """Names a declaration after `export` binds: a class, a function, or each declarator's pattern."""
    name = declaration.child_by_field_name("name")
    if declaration.type in ("lexical_declaration", "variable_declaration"):
        found: set[str] = set()
        for declarator in declaration.children:
            if declarator.type == "variable_declarator":
                found.update(_bound(declarator.child_by_field_name("name")))
        return found
    return {_text(name)} if name is not None else set()


def _bound(pattern: Any) -> set[str]:
    """Identifiers a binding pattern binds (the keys of `{ b: C }` are not bound; `C` is)."""
    if pattern is None:
        return set()
    if pattern.type in _PATTERN_NAME_NODES:
        return {_text(pattern)}
    if pattern.type == "pair_pattern":
        return _bound(pattern.child_by_field_name("value"))
    if pattern.type == "assignment_pattern":
        return _bound(pattern.child_by_field_name("left"))
    if pattern.type == "object_assignment_pattern":
        return _bound(pattern.child_by_field_name("left"))
    found: set[str] = set()
    for child in pattern.named_children:
        found.update(_bound(child))
    return found


def _specified(clause: Any) -> set[str]:
    """Exported names of `{ a, b as c, d as "e", f as default }`: the alias when there is one."""
    found: set[str] = set()
    for spec in clause.children:
        if spec.type != "export_specifier":
            continue
        alias = spec.child_by_field_name("alias")
        found.add(_text(alias if alias is not None else spec.child_by_field_name("name")))
    return found

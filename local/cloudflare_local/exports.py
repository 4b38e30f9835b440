"""The names an ES module exports, read from its source without running it.

Cloudflare refuses a Workflow whose class the script does not export; this is how cloudflare-local knows.
It is a scanner, not a parser: comments, strings, template literals and regex literals are blanked first,
then `export` statements are matched. `export * from "..."` cannot be resolved without the other module,
so a module that has one is treated as possibly exporting anything (the conservative answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_IDENT = r"[A-Za-z_$][\w$]*"
_REGEX_PRECEDERS = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_KEYWORDS = (
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
)


@dataclass(frozen=True)
class ModuleExports:
    """Exported names; `has_star` means an `export * from` makes the set open-ended."""

    names: frozenset[str] = field(default_factory=frozenset)
    has_star: bool = False

    def exports(self, name: str) -> bool | None:
        """True/False when known; None when an `export *` might provide it."""
        if name in self.names:
            return True
        return None if self.has_star else False


def _skip_string(src: str, i: int, quote: str) -> int:
    """Index just past the string literal opening at i."""
    n = len(src)
    i += 1
    while i < n:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote or (ch == "\n" and quote != "`"):
            return i + 1
        if quote == "`" and ch == "$" and i + 1 < n and src[i + 1] == "{":
            i = _skip_braces(src, i + 1)
            continue
        i += 1
    return n


def _skip_braces(src: str, i: int) -> int:
    """Index just past the `{...}` block opening at i (a template substitution)."""
    depth = 0
    n = len(src)
    while i < n:
        ch = src[i]
        if ch in "'\"`":
            i = _skip_string(src, i, ch)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _skip_regex(src: str, i: int) -> int:
    n = len(src)
    i += 1
    in_class = False
    while i < n:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n":
            return i
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            return i + 1
        i += 1
    return n


def _regex_allowed(out: list[str]) -> bool:
    """Whether a `/` here starts a regex literal (after an operator or keyword) rather than a division."""
    text = "".join(out[-20:]).rstrip()
    if not text:
        return True
    if text[-1] in _REGEX_PRECEDERS:
        return True
    return any(re.search(rf"(^|[^\w$]){kw}$", text) for kw in _REGEX_KEYWORDS)


def strip_literals(src: str) -> str:
    """Source with comments removed and literal contents blanked (quotes kept), so patterns see only code."""
    out: list[str] = []
    i = 0
    n = len(src)
    while i < n:
        ch = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        if ch == "/" and nxt == "/":
            end = src.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == "/" and nxt == "*":
            end = src.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
            continue
        if ch in "'\"`":
            end = _skip_string(src, i, ch)
            out.append(ch + ch)
            i = end
            continue
        if ch == "/" and _regex_allowed(out):
            i = _skip_regex(src, i)
            out.append("/r/")
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_DECL = re.compile(rf"\bexport\s+(?:async\s+)?(?:function\s*\*?|class)\s*({_IDENT})")
_DEFAULT = re.compile(r"\bexport\s+default\b")
_VAR = re.compile(r"\bexport\s+(?:const|let|var)\s+")
_LIST = re.compile(r"\bexport\s*(?:type\s*)?\{([^}]*)\}")
_STAR_AS = re.compile(rf"\bexport\s*\*\s*as\s+({_IDENT})")
_STAR = re.compile(r"\bexport\s*\*\s*from\b")


def _declared_names(code: str, start: int) -> list[str]:
    """Names bound by `const a = 1, b = f(x, y)` (top-level commas only; destructuring patterns too)."""
    names: list[str] = []
    depth = 0
    expect_name = True
    i = start
    n = len(code)
    while i < n:
        ch = code[i]
        if depth == 0 and expect_name:
            m = re.compile(rf"\s*({_IDENT})").match(code, i)
            if m:
                names.append(m.group(1))
                i = m.end()
                expect_name = False
                continue
            m2 = re.compile(r"\s*([\[{])").match(code, i)
            if m2:  # destructuring: every identifier before `=` or `:` target is bound
                close = "]" if m2.group(1) == "[" else "}"
                end = code.find(close, m2.end())
                inner = code[m2.end() : end if end >= 0 else n]
                for part in inner.split(","):
                    target = part.split(":")[-1].split("=")[0].strip().lstrip(".")
                    if re.fullmatch(_IDENT, target):
                        names.append(target)
                i = (end + 1) if end >= 0 else n
                expect_name = False
                continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif ch == ";" and depth == 0:
            break
        elif ch == "," and depth == 0:
            expect_name = True
        elif ch == "\n" and depth == 0 and not expect_name and not code[i:].lstrip().startswith(","):
            prev = code[:i].rstrip()
            if prev and prev[-1] not in "=+-*/,.(?:&|":
                break
        i += 1
    return names


def parse_exports(source: str) -> ModuleExports:
    """The exported names of an ES module's source."""
    code = strip_literals(source)
    names: set[str] = set()
    names.update(m.group(1) for m in _DECL.finditer(code))
    if _DEFAULT.search(code):
        names.add("default")
    for m in _VAR.finditer(code):
        names.update(_declared_names(code, m.end()))
    for m in _LIST.finditer(code):
        for item in m.group(1).split(","):
            parts = item.split()
            if not parts:
                continue
            if parts[0] == "type" and len(parts) > 1:  # TypeScript `type X` specifiers
                parts = parts[1:]
            exported = parts[2] if len(parts) >= 3 and parts[1] == "as" else parts[0]
            if re.fullmatch(_IDENT, exported):
                names.add(exported)
    names.update(m.group(1) for m in _STAR_AS.finditer(code))
    return ModuleExports(names=frozenset(names), has_star=bool(_STAR.search(code)))

"""Input rules (pure): names, identifiers, lengths, binding shapes, and the ES-module export scan.

Every validator returns a list of ``(property, reason)`` pairs, empty when the value is fine, and accepts
``pulumi.output.Unknown`` anywhere (an unknown value, seen only in previews, fails nothing). The provider's
``check`` turns the pairs into ``CheckFailure``s before any API call; the SDK uses the same functions to fail
fast at construction time with a ``ValueError``.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi.output import Unknown, contains_unknowns

from .config import ACCOUNT_ID_ENV, ACCOUNT_ID_KEY
from .exports import read_imports
from .workflow_settings import (
    CRON_WORDS,
    MAX_SCHEDULES,
    RETENTION_KEYS,
    canonical_cron,
    cron_problem,
    duration_ms,
)

Failure = tuple[str, str]

SCRIPT_NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9-_]*$")
SCRIPT_NAME_MAX = 63
WORKFLOW_NAME_RE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9-_]*$")
WORKFLOW_NAME_MAX = 64
CLASS_NAME_MAX = 255
JS_IDENTIFIER_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
ACCOUNT_ID_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
COMPAT_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COMPAT_FLAG_RE = re.compile(r"^[a-z0-9_]+$")
MAIN_MODULE_RE = re.compile(r"^[A-Za-z0-9_.-]+\.(?:mjs|js)$")
# An extra module's name: a relative path of such names (`lib/util.mjs`), as the main module imports it.
MODULE_NAME_RE = re.compile(r"^(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+\.(?:mjs|js)$")

# Reserved words cannot name a class (`class for {}` is a syntax error).
JS_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
    ]
)

# Required keys per Cloudflare binding type, from the `metadata.bindings` schema of the script upload
# (https://developers.cloudflare.com/api/resources/workers/subresources/scripts/methods/update/).
# Types not listed only need `type`.
BINDING_REQUIRED: Mapping[str, tuple[str, ...]] = {
    "plain_text": ("text",),
    "secret_text": ("text",),
    "json": ("json",),
    "workflow": ("workflow_name",),
    "kv_namespace": ("namespace_id",),
    "r2_bucket": ("bucket_name",),
    "queue": ("queue_name",),
    "service": ("service",),
    "analytics_engine": ("dataset",),
    "hyperdrive": ("id",),
    "vectorize": ("index_name",),
    "dispatch_namespace": ("namespace",),
    "mtls_certificate": ("certificate_id",),
    "pipelines": ("pipeline",),
    "secrets_store_secret": ("store_id", "secret_name"),
    "ratelimit": ("namespace_id", "simple"),
    "ai_search": ("instance_name",),
    "ai_search_namespace": ("namespace",),
    "vpc_service": ("service_id",),
    "flagship": ("app_id",),
    "data_blob": ("part",),
    "text_blob": ("part",),
    "wasm_module": ("part",),
    "secret_key": ("format", "algorithm", "usages"),
}

__all__ = [
    "BINDING_REQUIRED",
    "CLASS_NAME_MAX",
    "DURABLE_OBJECT_BINDING",
    "SCRIPT_NAME_MAX",
    "WORKFLOW_NAME_MAX",
    "Failure",
    "hosted_durable_object_bindings",
    "hosted_workflow_bindings",
    "is_hosted",
    "is_js_class_name",
    "is_unknown",
    "parse_import_id",
    "validate_account_id",
    "validate_binding",
    "validate_bindings",
    "validate_class_name",
    "validate_compatibility_date",
    "validate_compatibility_flags",
    "validate_default_retention",
    "validate_limits",
    "validate_main_module",
    "validate_modules",
    "validate_schedules",
    "validate_script",
    "validate_script_name",
    "validate_workflow_name",
]


def is_unknown(value: Any) -> bool:
    """True when `value` is, or contains, a preview Unknown."""
    return isinstance(value, Unknown) or contains_unknowns(value)


def is_hosted(target_script: Any, script_name: Any) -> bool:
    """Whether a workflow binding whose ``script_name`` is `target_script` is hosted by the script
    `script_name`: Cloudflare binds a workflow without ``script_name`` to the script that carries the binding.
    An unknown target (a preview) is not taken as hosted here. The one home of this rule: the SDK's hosting,
    the binding checks and the planning all ask it."""
    return target_script is None or (not isinstance(target_script, Unknown) and target_script == script_name)


def hosted_workflow_bindings(bindings: Any, script_name: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(binding name, body)`` of each workflow binding in `bindings` that script `script_name` hosts."""
    if not isinstance(bindings, Mapping):
        return
    for name, body in bindings.items():
        if not isinstance(body, Mapping) or body.get("type") != "workflow":
            continue
        if is_hosted(body.get("script_name"), script_name):
            yield name, body


# A Durable Object binding's type (Cloudflare's `durable_object_namespace`).
DURABLE_OBJECT_BINDING = "durable_object_namespace"


def hosted_durable_object_bindings(
    bindings: Any, script_name: Any
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(binding name, body)`` of each Durable Object binding in `bindings` to a class of the script
    `script_name` itself (no ``script_name``, or its own: :func:`is_hosted`)."""
    if not isinstance(bindings, Mapping):
        return
    for name, body in bindings.items():
        if not isinstance(body, Mapping) or body.get("type") != DURABLE_OBJECT_BINDING:
            continue
        if is_hosted(body.get("script_name"), script_name):
            yield name, body


def is_js_class_name(value: str) -> bool:
    """A valid JavaScript class name (ASCII identifier, not a reserved word)."""
    return bool(JS_IDENTIFIER_RE.match(value)) and value not in JS_RESERVED


# What each name may hold, in words: errors say this, never a bare regex.
SCRIPT_NAME_WORDS = "lower-case letters a-z, digits, '-' and '_', not starting with '-'"
WORKFLOW_NAME_WORDS = "letters, digits, '-' and '_', not starting with '-'"
CLASS_NAME_WORDS = "a JavaScript identifier: letters, digits, '_' and '$', not starting with a digit"


def _offence(value: str, pattern: re.Pattern[str]) -> str:
    """What is wrong with a name that does not match: the characters it may not hold, or its first one."""
    bad = sorted({c for c in value if not pattern.match("a" + c)})
    if bad:
        return f"has {', '.join(repr(c) for c in bad)}, which a name may not hold"
    return f"may not start with {value[0]!r}"


def _name(
    prop: str, value: Any, pattern: re.Pattern[str], limit: int, what: str, words: str
) -> list[Failure]:
    if isinstance(value, Unknown):
        return []
    if not isinstance(value, str) or not value:
        return [(prop, f"{what} is required and must be a non-empty string")]
    if len(value) > limit:
        return [(prop, f"{what} {value!r} is {len(value)} characters long; the limit is {limit}")]
    if not pattern.match(value):
        return [
            (prop, f"{what} {value!r} {_offence(value, pattern)}: use {words}, at most {limit} characters")
        ]
    return []


def validate_script_name(value: Any, prop: str = "name") -> list[Failure]:
    """A Worker script name: ``^[a-z0-9_][a-z0-9-_]*$``, at most 63 characters."""
    return _name(prop, value, SCRIPT_NAME_RE, SCRIPT_NAME_MAX, "script name", SCRIPT_NAME_WORDS)


def validate_workflow_name(value: Any, prop: str = "workflow_name") -> list[Failure]:
    """A Workflow name: ``^[a-zA-Z0-9_][a-zA-Z0-9-_]*$``, 1 to 64 characters."""
    return _name(prop, value, WORKFLOW_NAME_RE, WORKFLOW_NAME_MAX, "workflow name", WORKFLOW_NAME_WORDS)


def validate_class_name(value: Any, prop: str = "class_name") -> list[Failure]:
    """A Workflow class name: a JavaScript class name of at most 255 characters."""
    if isinstance(value, Unknown):
        return []
    failures = _name(prop, value, JS_IDENTIFIER_RE, CLASS_NAME_MAX, "class name", CLASS_NAME_WORDS)
    if not failures and value in JS_RESERVED:
        failures.append((prop, f"class name {value!r} is a reserved word in JavaScript"))
    return failures


def validate_account_id(value: Any, prop: str = "account_id") -> list[Failure]:
    """A Cloudflare account id (32 hex characters in practice; 1-32 alphanumerics accepted)."""
    if isinstance(value, Unknown):
        return []
    if not isinstance(value, str) or not value:
        return [
            (
                prop,
                f"account id is required: pass account_id=, or set `pulumi config set {ACCOUNT_ID_KEY} <id>` "
                f"or the {ACCOUNT_ID_ENV} environment variable",
            )
        ]
    if not ACCOUNT_ID_RE.match(value):
        return [(prop, f"account id {value!r} must be 1-32 letters or digits")]
    return []


def validate_compatibility_date(value: Any, prop: str = "compatibility_date") -> list[Failure]:
    """A ``YYYY-MM-DD`` date that exists on the calendar."""
    if isinstance(value, Unknown):
        return []
    if not isinstance(value, str) or not COMPAT_DATE_RE.match(value):
        return [(prop, f"compatibility date {value!r} must be a YYYY-MM-DD date")]
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return [(prop, f"compatibility date {value!r} is not a calendar date")]
    return []


def validate_compatibility_flags(value: Any, prop: str = "compatibility_flags") -> list[Failure]:
    """A list of flag names such as ``nodejs_compat``."""
    if isinstance(value, Unknown):
        return []
    if not isinstance(value, (list, tuple)):
        return [(prop, "compatibility flags must be a list of strings")]
    failures: list[Failure] = []
    for i, flag in enumerate(value):
        if isinstance(flag, Unknown):
            continue
        if not isinstance(flag, str) or not COMPAT_FLAG_RE.match(flag):
            failures.append(
                (f"{prop}[{i}]", f"compatibility flag {flag!r} must match {COMPAT_FLAG_RE.pattern}")
            )
    return failures


def validate_main_module(value: Any, prop: str = "main_module") -> list[Failure]:
    """The module file name: a ``.js`` or ``.mjs`` base name."""
    if isinstance(value, Unknown):
        return []
    if not isinstance(value, str) or not MAIN_MODULE_RE.match(value):
        return [(prop, f"main module {value!r} must be a .js or .mjs file name without directories")]
    return []


def validate_script(value: Any, prop: str = "script") -> list[Failure]:
    """ES-module source: a non-empty string."""
    if isinstance(value, Unknown):
        return []
    if not isinstance(value, str) or not value.strip():
        return [(prop, "script must be non-empty ES-module source (pass script= or entrypoint=)")]
    return []


def validate_modules(value: Any, main_module: Any, script: Any, prop: str = "modules") -> list[Failure]:
    """Extra ES modules uploaded beside the main one: ``None``, or module name -> source.

    Names are relative paths ending in ``.js``/``.mjs`` (``lib/util.mjs``), none the main module's. Every
    relative import of the main module and of each extra module must name a module of the upload, because
    Cloudflare resolves imports only among the uploaded parts; a script without extra modules is not checked
    (it is uploaded as it always was)."""
    if value is None or isinstance(value, Unknown):
        return []
    if not isinstance(value, Mapping):
        return [(prop, "modules must be a dict of module name -> ES-module source")]
    failures: list[Failure] = []
    for name, source in value.items():
        if not isinstance(name, str) or not MODULE_NAME_RE.match(name) or _dot_segment(name):
            failures.append(
                (
                    f"{prop}.{name}",
                    "a module name must be a relative path ending in .js or .mjs, like 'lib/util.mjs', "
                    "without '.' or '..' segments",
                )
            )
        elif name == main_module:
            failures.append((f"{prop}.{name}", f"{name!r} is the main module: pass its source as script="))
        if not isinstance(source, Unknown) and (not isinstance(source, str) or not source.strip()):
            failures.append((f"{prop}.{name}", "a module's source must be non-empty ES-module source"))
    if failures or not value:
        return failures
    sources = {main_module: script, **value}
    for importer, source in sources.items():
        if not isinstance(source, str) or not isinstance(importer, str):
            continue
        where = "script" if importer == main_module else f"{prop}.{importer}"
        for specifier in sorted(read_imports(source).specifiers):
            if not specifier.startswith(("./", "../")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
            if target not in sources:
                failures.append(
                    (
                        where,
                        f"{importer} imports {specifier!r}, which is not one of the uploaded modules "
                        f"({', '.join(sorted(sources))}): add {target!r} to modules, or pass the "
                        "entrypoint without modules= to have it bundled",
                    )
                )
    return failures


def _dot_segment(name: str) -> bool:
    return any(segment in (".", "..") for segment in name.split("/"))


def validate_limits(value: Any, prop: str = "limits") -> list[Failure]:
    """Workflow limits: ``None`` or ``{"steps": int >= 1}``."""
    if value is None or isinstance(value, Unknown):
        return []
    if not isinstance(value, Mapping):
        return [(prop, 'limits must be a dict like {"steps": 100}')]
    failures: list[Failure] = []
    for key in value:
        if key != "steps":
            failures.append((f"{prop}.{key}", f"unknown limit {key!r}; Workflows support only 'steps'"))
    steps = value.get("steps")
    if isinstance(steps, Unknown) or steps is None:
        return failures
    if isinstance(steps, float) and steps.is_integer():
        steps = int(steps)  # the engine's protobuf Struct turns 100 into 100.0
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        failures.append((f"{prop}.steps", f"steps limit {steps!r} must be an integer >= 1"))
    return failures


def validate_schedules(value: Any, prop: str = "schedules") -> list[Failure]:
    """Workflow cron triggers: ``None`` (not managed) or a list of at most 200 distinct cron strings in
    Cloudflare's syntax (:func:`.workflow_settings.cron_problem`; names in any case, spaces free)."""
    if value is None or isinstance(value, Unknown):
        return []
    if isinstance(value, str):
        return [(prop, f"schedules must be a list of cron strings, e.g. [{value!r}], not one string")]
    if not isinstance(value, (list, tuple)):
        return [(prop, "schedules must be a list of cron strings, e.g. ['0 9 * * MON-FRI']")]
    failures: list[Failure] = []
    for i, cron in enumerate(value):
        if isinstance(cron, Unknown):
            continue
        if not isinstance(cron, str):
            failures.append((f"{prop}[{i}]", f"a schedule must be a cron string, not {type(cron).__name__}"))
            continue
        problem = cron_problem(canonical_cron(cron))
        if problem:
            failures.append((f"{prop}[{i}]", f"fix cron {cron!r}: {problem}; write {CRON_WORDS}"))
    distinct = {canonical_cron(c) for c in value if isinstance(c, str)}
    if len(distinct) > MAX_SCHEDULES:
        failures.append(
            (
                prop,
                f"remove schedules: a workflow takes at most {MAX_SCHEDULES} and these are {len(distinct)} "
                "distinct ones",
            )
        )
    return failures


def validate_default_retention(value: Any, prop: str = "default_retention") -> list[Failure]:
    """How long finished instances are kept: ``None`` (not managed) or ``{"success_retention": ...,
    "error_retention": ...}``, each milliseconds or a duration string
    (:func:`.workflow_settings.duration_ms`)."""
    if value is None or isinstance(value, Unknown):
        return []
    if not isinstance(value, Mapping):
        return [
            (
                prop,
                'default_retention must be a dict like {"success_retention": "7 days", '
                '"error_retention": "30 days"}',
            )
        ]
    failures: list[Failure] = []
    for key, duration in value.items():
        if key not in RETENTION_KEYS:
            failures.append(
                (f"{prop}.{key}", f"unknown retention {key!r}: use success_retention or error_retention")
            )
        elif duration is not None and not isinstance(duration, Unknown):
            try:
                duration_ms(duration)
            except ValueError as bad:
                failures.append((f"{prop}.{key}", f"fix {key}: {bad}"))
    return failures


def validate_binding(name: str, body: Any, *, script_name: Any = None) -> list[Failure]:
    """One binding body (Cloudflare's shape without ``name``), bound as `name` in a script
    named `script_name`."""
    prop = f"bindings.{name}"
    failures: list[Failure] = []
    if not JS_IDENTIFIER_RE.match(name):
        failures.append(
            (prop, f"binding name {name!r} must be a JavaScript identifier (it becomes env.{name})")
        )
    if isinstance(body, Unknown):
        return failures
    if not isinstance(body, Mapping):
        return [*failures, (prop, "binding must be a dict in Cloudflare's binding shape with a 'type'")]
    btype = body.get("type")
    if isinstance(btype, Unknown):
        return failures
    if not isinstance(btype, str) or not btype:
        return [*failures, (f"{prop}.type", "binding 'type' is required (e.g. 'workflow', 'plain_text')")]
    if "name" in body and not isinstance(body["name"], Unknown) and body["name"] != name:
        failures.append((f"{prop}.name", f"binding body names {body['name']!r} but is bound as {name!r}"))
    for key in BINDING_REQUIRED.get(btype, ()):
        if body.get(key) is None:
            failures.append((f"{prop}.{key}", f"a {btype} binding needs {key!r}"))
    if btype in ("plain_text", "secret_text"):
        text = body.get("text")
        if text is not None and not isinstance(text, (str, Unknown)):
            failures.append((f"{prop}.text", f"a {btype} binding's text must be a string"))
    if btype == "workflow":
        failures.extend(_workflow_binding(prop, body, script_name))
    return failures


def _workflow_binding(prop: str, body: Mapping[str, Any], script_name: Any) -> list[Failure]:
    failures: list[Failure] = []
    if body.get("workflow_name") is not None:
        failures.extend(validate_workflow_name(body["workflow_name"], f"{prop}.workflow_name"))
    target = body.get("script_name")
    if target is not None:
        failures.extend(validate_script_name(target, f"{prop}.script_name"))
    hosted = is_hosted(target, script_name)
    if body.get("class_name") is not None:
        failures.extend(validate_class_name(body["class_name"], f"{prop}.class_name"))
    elif hosted:
        failures.append((f"{prop}.class_name", "a workflow hosted by this script needs 'class_name'"))
    return failures


def validate_bindings(value: Any, *, script_name: Any = None, prop: str = "bindings") -> list[Failure]:
    """All bindings of a script, plus cross-binding rules (one class per hosted workflow name)."""
    if value is None or isinstance(value, Unknown):
        return []
    if not isinstance(value, Mapping):
        return [(prop, "bindings must be a dict of binding name -> binding")]
    failures: list[Failure] = []
    for name, body in value.items():
        if not isinstance(name, str):
            failures.append((prop, f"binding name {name!r} must be a string"))
            continue
        failures.extend(validate_binding(name, body, script_name=script_name))
    hosted: dict[str, tuple[str, Any]] = {}
    for name, body in hosted_workflow_bindings(value, script_name):
        if not isinstance(name, str) or is_unknown(body) or not isinstance(body.get("workflow_name"), str):
            continue
        wf_name, cls = body["workflow_name"], body.get("class_name")
        seen = hosted.setdefault(wf_name, (name, cls))
        if seen[1] != cls:
            failures.append(
                (
                    f"{prop}.{name}.class_name",
                    f"workflow {wf_name!r} is bound as {seen[0]} with class {seen[1]!r} and as {name} with "
                    f"class {cls!r}; one workflow has one class",
                )
            )
    return failures


def parse_import_id(value: str, kind: str) -> tuple[str, str]:
    """``<account_id>/<name>`` (the import id pulumi-cloudflare uses) -> ``(account_id, name)``.

    Raises ``ValueError`` saying the expected form when ``value`` is not two non-empty parts.
    """
    account, _, name = str(value).partition("/")
    if not account or not name or "/" in name:
        raise ValueError(
            f"import id {value!r} is not of the form <account_id>/<{kind} name>, "
            f"e.g. 0123456789abcdef0123456789abcdef/my-{kind.replace(' ', '-')}"
        )
    return account, name

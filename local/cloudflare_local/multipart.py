"""Parse script-upload bodies the way Cloudflare accepts them.

An upload is multipart/form-data: a `metadata` JSON part and one part per module
(https://developers.cloudflare.com/workers/configuration/multipart-upload-metadata/), or a raw
`application/javascript` body for a service worker.

Parts are found by name, never by order or content type: wrangler sends the `metadata` part with no
Content-Type at all. `email`'s parser keeps every part's raw bytes, which werkzeug's form parser does not
for parts without a filename.
"""

from __future__ import annotations

import email.policy
import json
from email.parser import BytesParser
from typing import Any

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.models import ES_MODULE_TYPES, Part, Upload


def _content_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    main, *params = header.split(";")
    out: dict[str, str] = {}
    for param in params:
        key, _, value = param.strip().partition("=")
        out[key.lower()] = value.strip().strip('"')
    return main.strip().lower(), out


def parse_form(body: bytes, content_type: str) -> dict[str, tuple[str, bytes]]:
    """A multipart/form-data body as {part name: (part content type, bytes)}."""
    _, params = _content_type(content_type)
    if not params.get("boundary"):
        raise ApiError(errors.UNPARSEABLE_SCRIPT, "multipart body without a boundary", 400)
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError(errors.UNPARSEABLE_SCRIPT, "could not parse the multipart body", 400)
    parts: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ApiError(errors.UNPARSEABLE_SCRIPT, "multipart part without a name", 400)
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        declared = part.get("content-type")
        parts[name] = (_content_type(str(declared))[0] if declared else "", data)
    return parts


def _json_part(parts: dict[str, tuple[str, bytes]], name: str) -> dict[str, Any]:
    if name not in parts:
        raise ApiError(errors.UNPARSEABLE_SCRIPT, f"multipart body has no {name!r} part", 400)
    try:
        value = json.loads(parts[name][1] or b"{}")
    except ValueError as exc:
        raise ApiError(errors.UNPARSEABLE_SCRIPT, f"the {name!r} part is not JSON: {exc}", 400) from exc
    if not isinstance(value, dict):
        raise ApiError(errors.UNPARSEABLE_SCRIPT, f"the {name!r} part must be a JSON object", 400)
    return value


def _module_type(name: str, declared: str, metadata: dict[str, Any]) -> str:
    """A part's module type; an untyped .js/.mjs part is an ES module when metadata has main_module."""
    if declared:
        return declared
    if name.endswith(".mjs") or (name.endswith(".js") and "main_module" in metadata):
        return ES_MODULE_TYPES[0]
    if name.endswith((".js", ".cjs")):
        return "application/javascript"
    return "application/octet-stream"


def parse_upload(body: bytes, content_type: str) -> Upload:
    """The body of PUT /workers/scripts/{name} or POST .../versions."""
    kind, _ = _content_type(content_type)
    if kind in ("application/javascript", "text/javascript"):
        # A raw service-worker script: no metadata at all.
        return Upload({"body_part": "script"}, [Part("script", "application/javascript", body)])
    if kind != "multipart/form-data":
        raise ApiError(
            errors.UNSUPPORTED_CONTENT_TYPE,
            f"Unsupported Content-Type {kind or '(none)'!r}: "
            "send multipart/form-data or application/javascript",
            400,
        )
    parts = parse_form(body, content_type)
    metadata = _json_part(parts, "metadata")
    modules = [
        Part(name, _module_type(name, declared, metadata), data)
        for name, (declared, data) in parts.items()
        if name != "metadata"
    ]
    if not modules:
        raise ApiError(errors.UNPARSEABLE_SCRIPT, "the upload has no module parts", 400)
    return Upload(metadata, modules)


def parse_settings(body: bytes, content_type: str) -> dict[str, Any]:
    """PATCH .../settings: multipart with one `settings` JSON part (plain JSON accepted too)."""
    kind, _ = _content_type(content_type)
    if kind == "application/json":
        try:
            value = json.loads(body or b"{}")
        except ValueError as exc:
            raise errors.invalid_body(str(exc)) from exc
        if not isinstance(value, dict):
            raise errors.invalid_body("settings must be a JSON object")
        return value
    if kind != "multipart/form-data":
        raise ApiError(errors.UNSUPPORTED_CONTENT_TYPE, f"Unsupported Content-Type {kind or '(none)'!r}", 400)
    return _json_part(parse_form(body, content_type), "settings")

"""Helpers for tests and demos that talk to cloudflare-local: upload forms and checked API clients."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import httpx

from cloudflare_local.contract import ContractClient
from cloudflare_local.process import CloudflareLocalServer
from cloudflare_local.server import DB_NAME

WORKFLOW_SOURCE = """\
import { WorkflowEntrypoint } from "cloudflare:workers";

export class {class_name} extends WorkflowEntrypoint {
  async run(event, step) {
    return await step.do("greet", async () => ({ hello: event.payload }));
  }
}

export default {
  async fetch(request, env) { return new Response("ok"); },
};
"""

FileField = tuple[str, tuple[str | None, bytes, str | None]]


def workflow_source(class_name: str = "MyWorkflow") -> str:
    """An ES module that exports one WorkflowEntrypoint class and a fetch handler."""
    return WORKFLOW_SOURCE.replace("{class_name}", class_name)


def script_form(
    source: str,
    *,
    main_module: str = "worker.mjs",
    bindings: list[dict[str, Any]] | None = None,
    compatibility_date: str = "2025-04-01",
    metadata: dict[str, Any] | None = None,
    extra_modules: dict[str, tuple[str, bytes]] | None = None,
    metadata_content_type: str | None = None,
) -> list[FileField]:
    """The multipart `files=` for httpx, shaped like wrangler's upload (metadata part first, no filename)."""
    meta: dict[str, Any] = {
        "main_module": main_module,
        "bindings": bindings or [],
        "compatibility_date": compatibility_date,
        "compatibility_flags": [],
    }
    meta.update(metadata or {})
    fields: list[FileField] = [("metadata", (None, json.dumps(meta).encode(), metadata_content_type))]
    fields.append((main_module, (main_module, source.encode(), "application/javascript+module")))
    for name, (content_type, data) in (extra_modules or {}).items():
        fields.append((name, (name, data, content_type)))
    return fields


def api_client(server: CloudflareLocalServer, account_id: str, *, token: str | None = None) -> ContractClient:
    """A contract-checking client whose base URL is the account: `client.get("/workflows")`."""
    auth = token if token is not None else server.token
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    return ContractClient(base_url=f"{server.api_base}/accounts/{account_id}", headers=headers, timeout=30.0)


def stored_script(server: CloudflareLocalServer, account_id: str, name: str) -> dict[str, Any] | None:
    """What the server stored for script `name` (read-only, from its SQLite file): the script record
    (``durable_objects``, ``migration_tag``, ...) plus ``uploads``, each version's upload metadata oldest
    first, so a test can check the ``migrations`` a client sent. None when there is no such script."""
    uri = f"file:{server.data_dir / DB_NAME}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        row = conn.execute(
            "SELECT doc FROM objects WHERE account=? AND kind='script' AND key=?", (account_id, name)
        ).fetchone()
        versions = conn.execute(
            "SELECT doc FROM objects WHERE account=? AND kind='script_version' AND parent=? ORDER BY seq",
            (account_id, name),
        ).fetchall()
    if row is None:
        return None
    return {**json.loads(row[0]), "uploads": [json.loads(v[0])["metadata"] for v in versions]}


def errors_of(response: httpx.Response) -> list[int]:
    """The Cloudflare error codes of a failure envelope ([] on success)."""
    return [int(error["code"]) for error in response.json()["errors"]]


Deploy = Callable[..., httpx.Response]

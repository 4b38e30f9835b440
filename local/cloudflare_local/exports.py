"""The names an ES module exports, as Cloudflare reads them to refuse a Workflow whose class the script does
not export: the project's one reader, `pulumi_cloudflare_workflows_provider.exports` (a real JavaScript
parser), so the provider's preflight and this stand-in never disagree on an export form. It is the only
thing the server imports from the product: a pure function with no Cloudflare or Pulumi in it (the harness
that starts the server, process.py, also takes the clients' environment-variable names from the provider).
"""

from __future__ import annotations

from pulumi_cloudflare_workflows_provider.exports import ModuleExports, read_exports

__all__ = ["ModuleExports", "parse_exports"]


def parse_exports(source: str) -> ModuleExports:
    """What `source` exports; a module that does not parse, or has `export * from`, leaves names open."""
    return read_exports(source)

"""2. The `__provider` property: the size of serialize_provider() for each provider class, and whether it is
the same across calls, after configure(), and in another process (a changing value would show as a diff)."""

from __future__ import annotations

import subprocess
import sys

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider

from .common import ROOT, Section

CHILD = """
from pulumi.dynamic.dynamic import serialize_provider
from pulumi_cloudflare_workflows_provider.{module} import {cls}
print(serialize_provider({cls}()))
"""


def run() -> Section:
    section = Section("__provider size")
    for cls, module in ((WorkflowProvider, "workflow"), (WorkerProvider, "worker")):
        key = cls.__name__
        first = serialize_provider(cls())
        second = serialize_provider(cls())
        configured = cls()
        configured.configure(
            ConfigureRequest(
                Config(
                    {"cloudflare:apiToken": "secret-token", "cloudflare:baseUrl": "http://127.0.0.1:1"},
                    "bench",
                )
            )
        )
        after_configure = serialize_provider(configured)
        child = subprocess.run(
            [sys.executable, "-c", CHILD.format(module=module, cls=key)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        section.fact(f"provider.{key}.length", f"len(serialize_provider({key}())), characters", len(first))
        section.fact(f"provider.{key}.constant", "the same string on two calls", first == second)
        section.fact(
            f"provider.{key}.constant_after_configure",
            "the same string after configure() with a token and base URL (no settings in state)",
            first == after_configure,
        )
        section.fact(
            f"provider.{key}.constant_across_processes",
            "the same string when computed in a fresh Python process",
            child.returncode == 0 and child.stdout.strip() == first,
        )
        if child.returncode != 0:
            section.errors.append(f"{key} child process failed: {child.stderr[-2000:]}")
    return section

"""What the installed distribution tells the Pulumi language host."""

from __future__ import annotations

import json
from importlib import resources


def test_the_sdk_declares_it_has_no_resource_plugin() -> None:
    """The language host reports every `pulumi-*` package as a resource plugin to install unless its module
    ships `pulumi-plugin.json` with `"resource": false`; without it, `pulumi about` lists a plugin
    `cloudflare-workflows` (measured) and the engine would try to download it."""
    manifest = resources.files("pulumi_cloudflare_workflows").joinpath("pulumi-plugin.json")
    assert json.loads(manifest.read_text()) == {"resource": False}

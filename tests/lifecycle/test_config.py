"""Configuration through the real engine, from stack config alone (no CLOUDFLARE_* variables): the keys a
stack shares with pulumi-cloudflare, and the deprecated first keys of this package, which still work and say
how to rename them. The token never reaches the state in plaintext."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from pulumi_offline import Stack

from tests.lifecycle.support import Project

NEW_KEYS = ("cloudflare-workflows:accountId", "cloudflare:apiToken", "cloudflare:baseUrl")
FIRST_KEYS = ("cloudflare:accountId", "cloudflare:apiToken", "cloudflare:apiBaseUrl")


def config_only_stack(project: Project, keys: tuple[str, str, str] = NEW_KEYS) -> Stack:
    """A stack served by stack config alone: the account id, the token (secret) and the base URL set under
    `keys`, and every CLOUDFLARE_* variable empty (the fallbacks treat an empty one as unset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    for key in ("CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_BASE_URL"):
        env[key] = ""
    stack = Stack(project.dir, "dev", env=env, backend=project.tmp / "backend")
    account_key, token_key, base_key = keys
    stack.config_set(account_key, project.account.id)
    stack.config_set(token_key, project.account.server.token, secret=True)
    stack.config_set(base_key, project.account.server.api_base)
    return stack


def test_stack_config_with_the_keys_pulumi_cloudflare_also_reads(
    copy_example: Callable[[str], Project],
) -> None:
    project = copy_example("minimal")
    account, server = project.account, project.account.server
    stack = config_only_stack(project)

    up = stack.up()
    assert up.ok, up.text
    assert "deprecated" not in up.text
    assert stack.outputs()["workflow_name"] in account.workflows()
    # The engine records the default provider's config (the whole stack config, for `pulumi-python`) in
    # the state, so the token is there as every provider's token is: a secret, encrypted. Never in plaintext.
    assert server.token not in json.dumps(stack.export())
    provider = next(
        r for r in stack.export()["deployment"]["resources"] if r["type"].startswith("pulumi:providers")
    )
    assert "ciphertext" in provider["inputs"]["cloudflare:apiToken"]
    assert stack.destroy().ok


def test_the_first_keys_still_work_and_say_how_to_rename_them(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    account, server = project.account, project.account.server
    stack = config_only_stack(project, FIRST_KEYS)

    up = stack.up(text=True)
    assert up.ok, up.text
    assert "cloudflare:accountId is deprecated" in up.text, up.text
    assert "pulumi config set cloudflare-workflows:accountId" in up.text, up.text
    assert "cloudflare:apiBaseUrl is deprecated" in up.text, up.text
    assert "pulumi config set cloudflare:baseUrl" in up.text, up.text
    assert server.token not in up.text
    assert set(account.workflows()) == {stack.outputs()["workflow_name"]}
    assert stack.destroy().ok


def test_no_state_file_holds_the_token_in_plaintext(copy_example: Callable[[str], Project]) -> None:
    project = copy_example("minimal")
    server = project.account.server
    stack = config_only_stack(project)
    assert stack.up().ok
    files = [p for p in stack.backend.rglob("*") if p.is_file()] + list(project.dir.glob("Pulumi.*.yaml"))
    assert files
    assert [p for p in files if server.token.encode() in p.read_bytes()] == []
    assert stack.destroy().ok

"""Default physical names: deterministic, valid, bounded, stack-scoped, independent of the class name."""

from __future__ import annotations

import re

import pytest
from pulumi_cloudflare_workflows_provider import naming, rules

SCRIPT_RE = re.compile(r"^[a-z0-9_][a-z0-9-_]*$")
WORKFLOW_RE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9-_]*$")

IDS = ["orders", "OrderWorkflow", "my.weird id/with:chars", "x" * 200, "Ünïcödé-wörkflow", "---", "a_b"]


@pytest.mark.parametrize("stable_id", IDS)
def test_script_names_are_valid_bounded_and_deterministic(stable_id: str) -> None:
    name = naming.default_script_name("proj", "dev", stable_id)
    assert SCRIPT_RE.match(name)
    assert len(name) <= naming.SCRIPT_NAME_MAX
    assert name == naming.default_script_name("proj", "dev", stable_id)
    assert rules.validate_script_name(name) == []


@pytest.mark.parametrize("stable_id", IDS)
def test_workflow_names_are_valid_bounded_and_deterministic(stable_id: str) -> None:
    name = naming.default_workflow_name("proj", "dev", stable_id)
    assert WORKFLOW_RE.match(name)
    assert len(name) <= naming.WORKFLOW_NAME_MAX
    assert name == naming.default_workflow_name("proj", "dev", stable_id)
    assert rules.validate_workflow_name(name) == []


def test_short_names_are_readable() -> None:
    assert naming.default_script_name("Shop", "dev", "Order-API") == "shop-dev-order-api"
    assert naming.default_workflow_name("shop", "dev", "OrderWorkflow") == "shop-dev-OrderWorkflow"
    assert naming.default_workflow_name("shop", "prod", "orders.v2") == "shop-prod-orders-v2"


def test_names_are_scoped_by_stack_and_project() -> None:
    names = {
        naming.default_workflow_name(project, stack, "orders")
        for project in ("shop", "blog")
        for stack in ("dev", "prod", "pr-123")
    }
    assert len(names) == 6
    assert naming.default_script_name("shop", "dev", "api") != naming.default_script_name(
        "shop", "prod", "api"
    )


def test_long_names_keep_a_head_and_a_hash_of_the_full_name() -> None:
    a = naming.default_workflow_name("project", "stack", "a" * 80 + "-one")
    b = naming.default_workflow_name("project", "stack", "a" * 80 + "-two")
    assert a != b
    assert len(a) == naming.WORKFLOW_NAME_MAX
    assert a.startswith("project-stack-aaaa")
    assert a[-9] == "-"
    assert a[-8:] == naming.short_hash("project-stack-" + "a" * 80 + "-one")
    script = naming.default_script_name("project", "stack", "b" * 80)
    assert len(script) <= naming.SCRIPT_NAME_MAX
    assert script[-8:] == naming.short_hash("project-stack-" + "b" * 80)


def test_names_at_the_limit_are_not_hashed() -> None:
    stable = "x" * (naming.WORKFLOW_NAME_MAX - len("p-s-"))
    assert naming.default_workflow_name("p", "s", stable) == "p-s-" + stable


def test_normalising_a_default_name_again_is_idempotent() -> None:
    for stable_id in IDS:
        name = naming.default_workflow_name("p", "s", stable_id)
        # A valid name passes through the normaliser unchanged (charset and length already fine).
        assert naming._normalise(name, naming._WORKFLOW_INVALID) == name
        script = naming.default_script_name("p", "s", stable_id)
        assert naming._normalise(script, naming._SCRIPT_INVALID) == script


def test_workflow_name_never_depends_on_the_class_name() -> None:
    # The default takes no class name at all: renaming a class cannot change a workflow's identity.
    import inspect

    params = inspect.signature(naming.default_workflow_name).parameters
    assert list(params) == ["project", "stack", "stable_id"]


def test_symbol_only_ids_still_get_a_valid_name() -> None:
    assert SCRIPT_RE.match(naming.default_script_name("-", "-", "***"))
    assert WORKFLOW_RE.match(naming.default_workflow_name("-", "-", "***"))


def test_owner_tag_is_stable_scoped_and_distinct() -> None:
    tag = naming.owner_tag("proj", "dev", "api")
    assert tag == naming.owner_tag("proj", "dev", "api")
    assert tag.startswith("pulumi-cfwf-owner-") and len(tag) == len("pulumi-cfwf-owner-") + 16
    others = {naming.owner_tag("proj", "prod", "api"), naming.owner_tag("proj", "dev", "web")}
    others.add(naming.owner_tag("other", "dev", "api"))
    assert tag not in others and len(others) == 3

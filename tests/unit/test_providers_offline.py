"""The providers' check and diff: offline (no client is even built), tolerant of preview Unknowns."""

from __future__ import annotations

from pulumi.output import UNKNOWN
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
from sample_scripts import MINIMAL_HOST

ACCOUNT = "0" * 32


def test_checks_accept_unknowns_and_build_no_client() -> None:
    worker, workflow = WorkerProvider(), WorkflowProvider()
    result = worker.check(
        {}, {"account_id": ACCOUNT, "name": UNKNOWN, "script": UNKNOWN, "bindings": UNKNOWN}
    )
    assert result.failures == []
    hosted_unknown_class = {"WF": {"type": "workflow", "workflow_name": "w", "class_name": UNKNOWN}}
    assert (
        worker.check(
            {}, {"account_id": ACCOUNT, "name": "h", "script": MINIMAL_HOST, "bindings": hosted_unknown_class}
        ).failures
        == []
    )
    result = workflow.check(
        {}, {"account_id": UNKNOWN, "workflow_name": "w", "class_name": UNKNOWN, "script_name": UNKNOWN}
    )
    assert result.failures == []
    assert worker._client is None and workflow._client is None


def test_diffs_with_unknowns() -> None:
    workflow = WorkflowProvider()
    olds = {
        "account_id": ACCOUNT,
        "workflow_name": "w",
        "class_name": "A",
        "script_name": "h",
        "workflow_id": "x",
    }
    news = dict(workflow.check(olds, {**olds, "script_name": UNKNOWN}).inputs)
    diff = workflow.diff("w", olds, news)
    assert diff.changes is None and diff.replaces == []
    diff = workflow.diff("w", olds, {**news, "workflow_name": UNKNOWN})
    assert diff.changes is None and diff.replaces == ["workflow_name"]
    assert workflow.diff("w", olds, dict(workflow.check(olds, olds).inputs)).changes is False
    assert workflow._client is None


def test_check_reports_every_bad_input_with_its_property() -> None:
    result = WorkerProvider().check(
        {},
        {
            "account_id": "",
            "name": "Bad Name",
            "script": "",
            "main_module": "dir/x.ts",
            "compatibility_date": "yesterday",
            "compatibility_flags": ["OK?"],
            "bindings": {"X": {"text": "no type"}},
        },
    )
    assert sorted(f.property for f in result.failures) == [
        "account_id",
        "bindings.X.type",
        "compatibility_date",
        "compatibility_flags[0]",
        "main_module",
        "name",
        "script",
    ]

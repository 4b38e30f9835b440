"""Shared pieces of the provider tests: a fast retry policy and providers configured against a real
cloudflare-local. The scripts they deploy are the shared ones of `sample_scripts`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi_cloudflare_workflows_provider.cloudflare.client import RetryPolicy
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider
from sample_scripts import HOST_V1

FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=0.5, max_retry_after=1.0)


def configured(provider: Any, server: Any, token: str | None = None) -> Any:
    provider.configure(
        ConfigureRequest(
            Config(
                {"cloudflare:apiToken": token or server.token, "cloudflare:baseUrl": server.api_base},
                "proj",
            )
        )
    )
    return provider


@dataclass
class Providers:
    worker: WorkerProvider
    workflow: WorkflowProvider
    account_id: str
    server: Any

    def worker_inputs(self, name: str, script: str = HOST_V1, **over: Any) -> dict[str, Any]:
        news = {"account_id": self.account_id, "name": name, "script": script, **over}
        result = self.worker.check({}, news)
        assert result.failures == [], result.failures
        return dict(result.inputs)

    def workflow_inputs(self, workflow_name: str, script_name: str, **over: Any) -> dict[str, Any]:
        news = {
            "account_id": self.account_id,
            "workflow_name": workflow_name,
            "class_name": "OrderWorkflow",
            "script_name": script_name,
            **over,
        }
        result = self.workflow.check({}, news)
        assert result.failures == [], result.failures
        return dict(result.inputs)

    def hosted(self, workflow_name: str, class_name: str = "OrderWorkflow") -> dict[str, Any]:
        return {"WF": {"type": "workflow", "workflow_name": workflow_name, "class_name": class_name}}

    def account_requests(self) -> list[dict[str, Any]]:
        marker = f"/accounts/{self.account_id}/"
        return [r for r in self.server.requests() if marker in r["path"]]

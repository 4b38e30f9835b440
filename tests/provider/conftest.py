"""Providers configured against a real cloudflare-local over HTTP (the `cloudflare_local` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider

from tests.provider.support import FAST_RETRY, Providers, configured


@pytest.fixture
def providers(cloudflare_local: Any, account_id: str) -> Providers:
    return Providers(
        configured(WorkerProvider(retry=FAST_RETRY), cloudflare_local),
        configured(WorkflowProvider(retry=FAST_RETRY), cloudflare_local),
        account_id,
        cloudflare_local,
    )

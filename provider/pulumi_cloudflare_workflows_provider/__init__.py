"""Engine side of pulumi-cloudflare-workflows: the dynamic providers and their Cloudflare client.

The provider classes are pickled BY REFERENCE into Pulumi state (``__provider``), so their module paths
(``pulumi_cloudflare_workflows_provider.worker.WorkerProvider``,
``pulumi_cloudflare_workflows_provider.workflow.WorkflowProvider``) must never change.

This package imports nothing eagerly: the SDK imports the pure modules ``rules`` and ``naming`` from it, and
the provider modules are loaded only where they are used.
"""

__all__: list[str] = []

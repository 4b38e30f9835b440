"""pulumi-local: a stand-in for the `pulumi` CLI's preview/up/refresh/destroy on one machine.

It runs a Pulumi Python program with the SDK's own runtime against a resource monitor served here, and drives
every dynamic resource through the SDK's own `python -m pulumi.dynamic` server over the engine's gRPC
protocol. It is a test and demo tool, never the product. See docs/pulumi-local.md.
"""

from pulumi_local.api import OperationResult, Stack, StepRecord

__all__ = ["OperationResult", "Stack", "StepRecord"]

"""Pulumi resources for Cloudflare Workers and Workflows (a Python dynamic provider).

::

    from pulumi_cloudflare_workflows import Workflow, Worker

    workflow = Workflow("my-workflow", workflow_name="my-workflow", class_name="MyWorkflow")
    worker = Worker("my-worker", name="my-worker", script=SOURCE, bindings={"WORKFLOW": workflow})

See docs/sdk.md for the rules (stable identifiers, hosting, ordering, adoption, diffs).
"""

from pulumi_cloudflare_workflows_provider.plan import DEFAULT_COMPATIBILITY_DATE

from .bindings import BindingValue, WorkflowBinding
from .durable_object import DurableObject
from .failures import ProgramError, ProgramTypeError
from .worker import Worker
from .workflow import Workflow, WorkflowResource

__all__ = [
    "DEFAULT_COMPATIBILITY_DATE",
    "BindingValue",
    "DurableObject",
    "ProgramError",
    "ProgramTypeError",
    "Worker",
    "Workflow",
    "WorkflowBinding",
    "WorkflowResource",
]

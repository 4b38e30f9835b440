"""Mixing pulumi-cloudflare with this package: its KV namespace, R2 bucket, D1 database, queue and Workers
script are bound by a `Worker` as they are, and the Worker hosts a `Workflow`.

Each binding is built from the resource's Outputs (`namespace_id` = the namespace's id, `bucket_name`, the D1
`database_id`, `queue_name`, the service's `script_name`), so the Worker is deployed after all of them, and
the Workflow is registered after the Worker.

Needs the real pulumi CLI and the `cloudflare` resource plugin (see README.md).
"""

from pathlib import Path

import pulumi
import pulumi_cloudflare as cloudflare
from pulumi_cloudflare_workflows import DEFAULT_COMPATIBILITY_DATE, Worker, Workflow
from pulumi_cloudflare_workflows.config import resolve_account_id

account_id = resolve_account_id()
if account_id is None:
    raise ValueError("set `pulumi config set cloudflare-workflows:accountId <id>` or CLOUDFLARE_ACCOUNT_ID")

# pulumi-cloudflare's default provider reads the same `cloudflare:apiToken` (and `cloudflare:baseUrl`) as this
# package; the account id lives in `cloudflare-workflows:accountId`, a namespace it never looks at.

# Names of account-wide objects carry the stack, so two stacks never collide.
prefix = f"{pulumi.get_project()}-{pulumi.get_stack()}".lower()

cache = cloudflare.WorkersKvNamespace("cache", account_id=account_id, title=f"{prefix}-cache")
uploads = cloudflare.R2Bucket("uploads", account_id=account_id, name=f"{prefix}-uploads")
db = cloudflare.D1Database("db", account_id=account_id, name=f"{prefix}-db")
jobs = cloudflare.Queue("jobs", account_id=account_id, queue_name=f"{prefix}-jobs")
greeter = cloudflare.WorkersScript(
    "greeter",
    account_id=account_id,
    script_name=f"{prefix}-greeter",
    content=Path("workers/greeter.mjs").read_text(encoding="utf-8"),
    main_module="greeter.mjs",
    compatibility_date=DEFAULT_COMPATIBILITY_DATE,
)

ingest = Workflow("ingest", class_name="IngestWorkflow")

api = Worker(
    "api",
    entrypoint="workers/worker.mjs",
    bindings={
        "CACHE": cache,
        "UPLOADS": uploads,
        "DB": db,
        "JOBS": jobs,
        "GREETER": greeter,
        "INGEST": ingest,
    },
)

pulumi.export("script_name", api.name)
pulumi.export("workflow_name", ingest.workflow_name)
pulumi.export("kv_namespace_id", cache.id)
pulumi.export("d1_database_id", db.id)

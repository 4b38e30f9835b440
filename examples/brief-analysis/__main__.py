"""BriefAnalysisWorkflow, written in TypeScript across three modules, bundled with esbuild by the SDK.

`Worker(entrypoint="workers/index.ts")` bundles index.ts and the modules it imports (analysis.ts,
types.ts) into one ES module while the program runs, `cloudflare:*` imports left external. The bundle is
deterministic, so `pulumi preview` on an unchanged checkout shows no change, and an edit of analysis.ts
shows the Worker's `script` changed. esbuild comes from this project's node_modules
(`npm install --save-dev esbuild`), else PATH.

    POST /briefs {"id": "b-1", "title": ..., "body": ...}  -> starts (or finds) the instance `brief-b-1`
    GET  /briefs/b-1                                       -> its status and output
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

analysis = Workflow("brief-analysis", class_name="BriefAnalysisWorkflow")
worker = Worker("briefs", entrypoint="workers/index.ts", bindings={"BRIEF_ANALYSIS": analysis})

pulumi.export("script_name", worker.name)
pulumi.export("workflow_name", analysis.workflow_name)

"""The two seed examples through their whole lifecycle under the real engine, with their code really
running in workerd: `agent-workflow` (an Agent, a SQLite Durable Object, starting a Workflow in its own
script and one in the separately deployed `email-workflows`) and `brief-analysis` (a TypeScript
Workflow bundled with esbuild: parallel steps, a sleep, an instance id derived from the brief)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudflare_local.process import CloudflareLocalServer

from tests.lifecycle.support import WORKER, Account, copy_project
from tests.runtime.support import finished, steps, worker

AGENT_SOURCE = "workers/agent.mjs"


def migration_tag(account: Account, script: str) -> str | None:
    """The script's migration tag, as Cloudflare reports it (the script list)."""
    scripts = account.http.get("/workers/scripts").json()["result"]
    found: str | None = next(s for s in scripts if s["id"] == script).get("migration_tag")
    return found


def research(server: CloudflareLocalServer, account: Account, script: str, user: str, **body: Any) -> Any:
    started = worker(server, account.id, script, f"/agents/{user}/research", method="POST", json=body)
    assert started.status_code == 202, started.text
    return started.json()


def test_agent_workflow_an_agent_triggers_its_own_and_another_projects_workflow_and_keeps_its_data(
    tmp_path: Path, account: Account, runtime_server: CloudflareLocalServer, pulumi_engine: Path
) -> None:
    project = copy_project("agent-workflow", tmp_path, account)
    email_stack, agent_stack = project.stack(subdir="email-workflows"), project.stack()
    assert email_stack.up().ok
    up = agent_stack.up()
    assert up.ok, up.text
    script, research_workflow = (
        agent_stack.outputs()["agent_script"],
        agent_stack.outputs()["research_workflow"],
    )
    assert migration_tag(account, script) == "v1"  # new_sqlite_classes: ResearchAgent, in the first upload

    run = research(runtime_server, account, script, "ann", topic="bees", email="ann@example.com")
    assert run == {"run": 1, "topic": "bees", "research": "ann-1", "email": "ann-1-email"}
    done = finished(account.http, research_workflow, "ann-1")
    assert done["status"] == "complete", done
    assert steps(done)["gather"]["output"] == ["bees overview", "bees in practice"]
    assert done["output"] == {"topic": "bees", "summary": "2 sources on bees for ann"}
    # Started by the Agent through its cross-script binding, run by the email-workflows script.
    sent = finished(account.http, "email-workflow", "ann-1-email")
    assert sent["status"] == "complete", sent
    assert steps(sent)["render"]["output"]["subject"] == "Research on bees"
    assert sent["output"] == {"sent": "msg-ann-1-email", "to": "ann@example.com"}

    # Rename the Agent's class: an update of the Worker (renamed_classes), and the Agent keeps its runs.
    project.edit('or "ResearchAgent"', 'or "ResearchAgentV2"')
    project.edit("export class ResearchAgent ", "export class ResearchAgentV2 ", path=AGENT_SOURCE)
    preview = agent_stack.preview()
    assert preview.step("agent", WORKER).op == "update", preview.text
    renamed = agent_stack.up()
    assert renamed.ok, renamed.text
    assert migration_tag(account, script) == "v2"
    runs = worker(runtime_server, account.id, script, "/agents/ann/runs")
    assert runs.json() == [run], "the renamed class lost what the Agent stored"
    assert research(runtime_server, account, script, "ann", topic="wasps")["run"] == 2
    assert finished(account.http, research_workflow, "ann-2")["status"] == "complete"
    assert agent_stack.preview(expect_no_changes=True).ok

    assert agent_stack.destroy().ok
    assert email_stack.destroy().ok
    assert account.is_empty()


def test_brief_analysis_a_typescript_workflow_runs_its_parallel_steps_and_previews_exactly(
    tmp_path: Path,
    account: Account,
    runtime_server: CloudflareLocalServer,
    pulumi_engine: Path,
    esbuild: Path,
) -> None:
    project = copy_project("brief-analysis", tmp_path, account)
    (project.dir / "node_modules" / ".bin").mkdir(parents=True)
    (project.dir / "node_modules" / ".bin" / "esbuild").symlink_to(esbuild)  # as `npm install esbuild` would
    stack = project.stack()
    up = stack.up()
    assert up.ok, up.text
    script, workflow = stack.outputs()["script_name"], stack.outputs()["workflow_name"]
    assert stack.preview(expect_no_changes=True).ok, "an unchanged checkout bundles to the same script"

    brief = {"id": "B-1", "title": "Launch plan", "body": "We launch the beta in May. Sales needs a deck."}
    posted = worker(runtime_server, account.id, script, "/briefs", method="POST", json=brief)
    assert posted.status_code == 202 and posted.json() == {"id": "brief-b-1", "existing": False}, posted.text
    done = finished(account.http, workflow, "brief-b-1")
    assert done["status"] == "complete", done
    ran = steps(done)
    assert {"clarity", "keywords", "effort", "let it settle", "verdict"} <= set(ran)
    assert ran["keywords"]["output"] == ["launch", "beta", "deck"]
    assert done["output"] == {
        "brief": "B-1",
        "clarity": ran["clarity"]["output"],
        "keywords": ["launch", "beta", "deck"],
        "effortDays": 1,
        "verdict": "ready" if ran["clarity"]["output"] >= 60 else "needs-work",
    }
    # The id comes from the brief: posting it again finds the same instance.
    again = worker(runtime_server, account.id, script, "/briefs", method="POST", json=brief).json()
    assert again["id"] == "brief-b-1" and again["existing"] is True

    # An edit of an imported module is a change of the Worker's bundled script, nothing else.
    project.edit("count = 3", "count = 2", path="workers/analysis.ts")
    changed = stack.preview()
    assert changed.step("briefs", WORKER).op == "update"
    assert changed.step("briefs", WORKER).diff_reasons == ["script"]
    assert stack.up().ok
    posted = worker(runtime_server, account.id, script, "/briefs", method="POST", json={**brief, "id": "B-2"})
    assert finished(account.http, workflow, "brief-b-2")["output"]["keywords"] == ["launch", "beta"]

    assert stack.destroy().ok
    assert account.is_empty()

"""Instances that were in flight when workerd restarted, set going again.

Every configuration change restarts workerd, and so does a server restart. Miniflare's engine keeps an
instance's sleeps, retries and timeouts in memory, so an instance that was running or sleeping stays
`running` forever afterwards. Pausing it and resuming it makes the engine start it again: completed steps
are replayed from their stored results (never run twice) and the rest runs with the class deployed now
(local-runtime.md, section 5.3). An instance still `queued` had run nothing, so it is restarted. Paused and
finished instances are left as they are.
"""

from __future__ import annotations

import logging
import time

from cloudflare_local.errors import ApiError
from cloudflare_local.runtime.explorer import Explorer

log = logging.getLogger("cloudflare_local.runtime")

IN_FLIGHT = ("running", "waiting")
PAUSE_TIMEOUT = 10.0
POLL = 0.01


def revive(explorer: Explorer, workflows: list[str]) -> int:
    """Set every in-flight instance of these (runtime-named) workflows going again; how many it did."""
    pausing: list[tuple[str, str]] = []
    revived = 0
    for workflow in workflows:
        for item in explorer.instances(workflow):
            status = item.get("status")
            try:
                if status in IN_FLIGHT:
                    explorer.change_status(workflow, item["id"], "pause")
                    pausing.append((workflow, item["id"]))
                elif status == "queued":
                    explorer.change_status(workflow, item["id"], "restart")
                    revived += 1
            except ApiError as exc:
                log.warning("could not revive instance %s of %s: %s", item["id"], workflow, exc.message)
    deadline = time.monotonic() + PAUSE_TIMEOUT
    for workflow, instance_id in pausing:
        if _paused(explorer, workflow, instance_id, deadline):
            explorer.change_status(workflow, instance_id, "resume")
            revived += 1
        else:
            log.warning(
                "instance %s of %s did not pause after a restart: left as it is", instance_id, workflow
            )
    return revived


def _paused(explorer: Explorer, workflow: str, instance_id: str, deadline: float) -> bool:
    """Wait (polling, until `deadline`) for the pause to land: a resume before it would cancel it."""
    while True:
        detail = explorer.describe(workflow, instance_id)
        if detail is None or detail.get("status") == "paused":
            return detail is not None
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)

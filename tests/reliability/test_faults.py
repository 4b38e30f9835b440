"""Faults through the whole engine: `up` of an example while cloudflare-local answers ~30% of API requests
with 429, 5xx, dropped connections or slow replies (seeded, so each seed meets the same faults at the same
requests). The provider's retries must carry the `up` through; afterwards, with faults off, the stack has
converged, the account holds exactly what the state records, and `destroy` empties it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import assert_account, injected_faults, new_project, owned


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("example", ["quickstart", "cross-script-script-name"])
def test_up_under_injected_faults_converges(
    example: str, seed: int, tmp_path: Path, fresh_cloudflare_local: Any, account_id: str
) -> None:
    server = fresh_cloudflare_local
    project = new_project(example, tmp_path, server, account_id)
    stack = project.stack()

    # Every fault kind; Retry-After 0 and 0.2 s slow replies only keep the suite quick.
    server.set_faults(0.3, seed, slow_seconds=0.2, retry_after=0)
    up = stack.up()
    server.set_faults(0)
    faults = injected_faults(project.account)
    note = f"seed {seed}: {sum(faults.values())} faults injected during up {dict(faults)}"
    assert up.ok, f"{note}; the provider's retries did not carry the up:\n{up.stdout}"
    assert faults, f"{note}: the up met no fault, so this test proves nothing; pick another seed"

    converged = stack.preview(expect_no_changes=True)
    assert converged.ok, f"{note}; not converged:\n{converged.stdout}"
    scripts, workflows = owned(stack)
    assert (len(scripts), len(workflows)) == (2, 1), f"{note}; state: {scripts}, {workflows}"
    assert_account(project.account, scripts, workflows, f"{note}; the account vs the state")

    destroyed = stack.destroy()
    assert destroyed.ok, f"{note}\n{destroyed.stdout}"
    assert_account(project.account, set(), set(), f"{note}; after destroy")

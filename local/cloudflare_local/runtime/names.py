"""The names things have inside the one workerd that runs every account: `<account id>.<name>`.

Scripts and workflows of two accounts may share a name; in workerd they must not (a workflow's name is the
key its instances are stored under). A dot can be in neither an account id nor a script or workflow name,
so these names never collide, and each reads back as the pair it came from.
"""

from __future__ import annotations

SEPARATOR = "."
# The runtime's own Worker: it binds every runnable workflow, so the API can start instances of a workflow
# that no script binds. No account id is empty, so no account's script can take this name.
INTERNAL_WORKER = ".cloudflare-local"


def worker(account_id: str, script_name: str) -> str:
    return f"{account_id}{SEPARATOR}{script_name}"


def workflow(account_id: str, workflow_name: str) -> str:
    return f"{account_id}{SEPARATOR}{workflow_name}"

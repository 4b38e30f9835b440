"""`/__workers/<script_name>/<path>`: a deployed script's fetch handler, as its Worker would be requested.

The Worker sees `/<path>` (with the query) on cloudflare-local's own origin, the method, headers and body
as sent. Script names are per account; a name two accounts deploy needs the account named in the
`X-Cloudflare-Local-Account` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from cloudflare_local.runtime import names

if TYPE_CHECKING:
    import httpx

PREFIX = "/__workers/"
ACCOUNT_HEADER = "X-Cloudflare-Local-Account"
# Miniflare's entry Worker routes a request carrying this header to the Worker it names.
ROUTE_HEADER = "MF-Route-Override"
URL_HEADER = "X-Cloudflare-Local-URL"  # the URL the Worker sees (sidecar.mjs)
DROPPED = frozenset({"host", "connection", "keep-alive", "transfer-encoding", "content-length"})


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class NoSuchWorker(LookupError):
    """No script, or several, answer to that name: the message says which and what to do."""


def split(path: str) -> tuple[str, str]:
    """`/__workers/<script>/<rest>` -> (script, "/<rest>")."""
    script, _, rest = path[len(PREFIX) :].partition("/")
    return script, "/" + rest


def resolve(deployed: dict[str, set[str]], script: str, account_id: str | None) -> str:
    """The runtime name of `script` (deployed: account id -> its running scripts)."""
    owners = sorted(a for a, scripts in deployed.items() if script in scripts)
    if account_id is not None:
        owners = [a for a in owners if a == account_id]
    if not owners:
        where = f" on account {account_id}" if account_id else ""
        raise NoSuchWorker(f"No script {script!r} is running{where}: deploy it (cloudflare-local --runtime)")
    if len(owners) > 1:
        raise NoSuchWorker(
            f"Script {script!r} is deployed on accounts {owners}: name one in the {ACCOUNT_HEADER} header"
        )
    return names.worker(owners[0], script)


def forward(
    client: httpx.Client,
    worker: str,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> Answer:
    """Send the request to `worker` through the sidecar; `url` is what the Worker sees as its URL."""
    sent = [(k, v) for k, v in headers if k.lower() not in DROPPED and k.lower() != ACCOUNT_HEADER.lower()]
    sent += [(ROUTE_HEADER, worker), (URL_HEADER, url)]
    response = client.request(method, "/", headers=sent, content=body or None)
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in DROPPED]
    return Answer(response.status_code, kept, response.content)


def drop_instance(client: httpx.Client, workflow: str, instance_id: str) -> None:
    """Drop an instance's engine through the runtime's own Worker (options.INTERNAL_SOURCE)."""
    url = "http://localhost/instance?" + urlencode({"workflow": workflow, "id": instance_id})
    response = client.request("DELETE", "/", headers={ROUTE_HEADER: names.INTERNAL_WORKER, URL_HEADER: url})
    response.raise_for_status()

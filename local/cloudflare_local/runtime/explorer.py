"""Miniflare's explorer API (`/cdn-cgi/explorer/api`, `unsafeLocalExplorer`), reached through the sidecar.

It is where workerd's workflow instances can be read and driven from outside a Worker: list (id, status,
created_on), describe (steps with their outputs), create, change status, send events, delete. Its shapes are
Miniflare's, not Cloudflare's (shapes.py translates); its routes are not a stable API (local-runtime.md,
section 10), which is why they are all here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from cloudflare_local import errors
from cloudflare_local.errors import ApiError

API = "/cdn-cgi/explorer/api"
PER_PAGE = 100  # the explorer's maximum


class Explorer:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def instances(self, workflow: str) -> list[dict[str, Any]]:
        """Every instance of a workflow: [{"id", "status", "created_on"}] (status is None for an instance
        whose engine never started)."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._call(
                "GET", f"{_workflow(workflow)}/instances", params={"page": page, "per_page": PER_PAGE}
            )
            items = body.get("result") or []
            found += items
            total = int((body.get("result_info") or {}).get("total_count", 0))
            if not items or len(found) >= total:
                return found
            page += 1

    def describe(self, workflow: str, instance_id: str) -> dict[str, Any] | None:
        """{"status", "params", "queued", "start", "end", "output", "error", "steps"}, or None."""
        response = self._send("GET", f"{_workflow(workflow)}/instances/{quote(instance_id, safe='')}")
        if response.status_code == 404:
            return None
        result: dict[str, Any] = _result(response)
        return result

    def create(self, workflow: str, instance_id: str, params: Any) -> None:
        self._call("POST", f"{_workflow(workflow)}/instances", json={"id": instance_id, "params": params})

    def change_status(self, workflow: str, instance_id: str, action: str) -> None:
        path = f"{_workflow(workflow)}/instances/{quote(instance_id, safe='')}/status"
        self._call("PATCH", path, json={"action": action})

    def send_event(self, workflow: str, instance_id: str, event_type: str, payload: Any) -> None:
        instance = f"{_workflow(workflow)}/instances/{quote(instance_id, safe='')}"
        self._call("POST", f"{instance}/events/{quote(event_type, safe='')}", json=payload)

    def delete(self, workflow: str, instance_id: str) -> None:
        self._call("DELETE", f"{_workflow(workflow)}/instances/{quote(instance_id, safe='')}")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._send(method, path, **kwargs)
        _result(response)
        body: dict[str, Any] = response.json()
        return body

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, API + path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiError(
                errors.INTERNAL_ERROR,
                f"The workflow runtime did not answer: {exc!r}; see the server log",
                500,
            ) from exc


def _workflow(name: str) -> str:
    return f"/workflows/{quote(name, safe='')}"


def _result(response: httpx.Response) -> Any:
    """The envelope's result, or the runtime's failure as Cloudflare's internal error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success and isinstance(body, dict) and body.get("success"):
        return body.get("result")
    detail = body.get("errors") if isinstance(body, dict) else response.text[:500]
    status = 404 if response.status_code == 404 else 500
    raise ApiError(errors.INTERNAL_ERROR, f"The workflow runtime refused the request: {detail}", status)

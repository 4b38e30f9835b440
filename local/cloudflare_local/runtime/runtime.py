"""The runtime: what every account has deployed, running in one workerd, kept in step with the model.

`Backend` calls `reconfigure(account)` inside the transaction of each write that changes what an account
runs (models/__init__.py): the account's part of the configuration is rebuilt from what it now stores
(options.py), and when the whole differs from what workerd runs, the sidecar applies it (one `setOptions`,
which restarts workerd). A refusal, here or by workerd, raises the `ApiError` that rolls the write back;
the sidecar has by then started the previous configuration again. After every restart, in-flight instances
are revived (revive.py). When a registered workflow goes, its stored instances go with it.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.runtime import names, options, workers
from cloudflare_local.runtime.explorer import Explorer
from cloudflare_local.runtime.instances import ORIGIN, RuntimeInstances
from cloudflare_local.runtime.options import AccountConfig, AccountState, ScriptState
from cloudflare_local.runtime.revive import revive
from cloudflare_local.runtime.sidecar import Sidecar, SidecarError

if TYPE_CHECKING:
    from cloudflare_local.models import Account, Backend

log = logging.getLogger("cloudflare_local.runtime")

PROXY_TIMEOUT = 120.0
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_state(account: Account) -> AccountState:
    """What the account stores that workerd runs: every script's deployed version with its modules."""
    scripts = {}
    for script in account.list_scripts():
        version = account.get_version(script.name, script.deployed_version_id)
        modules = {
            m["name"]: account.module_content(script.name, version.id, m["name"]) for m in version.modules
        }
        scripts[script.name] = ScriptState(script, version, modules)
    return AccountState(account.id, scripts, account.list_workflows())


class Runtime:
    """One sidecar (Miniflare, one workerd) running every account; see the module docstring."""

    def __init__(self, data_dir: Path) -> None:
        self.sidecar = Sidecar(data_dir)
        self.client = httpx.Client(timeout=PROXY_TIMEOUT)
        self.explorer = Explorer(self.client)
        self._configs: dict[str, AccountConfig] = {}
        self._running: list[dict[str, Any]] | None = None
        self._lock = threading.RLock()
        self.applies: collections.deque[dict[str, Any]] = collections.deque(maxlen=50)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, backend: Backend) -> None:
        """Start the sidecar (from the main thread: the kernel ties its death to the caller's thread) with
        what every account stores, then revive the instances the last run left in flight."""
        self.sidecar.start()
        self.client.close()
        self.client = httpx.Client(base_url=self.sidecar.proxy_url, timeout=PROXY_TIMEOUT)
        self.explorer.client = self.client
        accounts = sorted({*backend.store.accounts("script"), *backend.store.accounts("workflow")})
        for account_id in accounts:
            config = options.account_config(read_state(backend.account(account_id)))
            for refusal in config.refusals:
                log.warning("runtime: not running %s: %s", refusal.script_name, refusal.message)
            self._configs[account_id] = config
        if not self._apply(self._workers(self._configs))["ok"]:
            self._start_each()
        self._revive()

    def _start_each(self) -> None:
        """The stored accounts did not start together: run those that start, leave out the others."""
        kept: dict[str, AccountConfig] = {}
        for account_id, config in self._configs.items():
            if self._apply(self._workers({**kept, account_id: config}))["ok"]:
                kept[account_id] = config
            else:
                log.warning("runtime: account %s does not start: its scripts are not running", account_id)
        self._configs = kept
        if self._running is None:
            self._apply(self._workers(kept))

    def stop(self) -> None:
        self.sidecar.stop()
        self.client.close()

    # -- the model's hook ----------------------------------------------------------------------------
    def reconfigure(self, account: Account) -> None:
        """Run what the account now stores, or raise the ApiError that refuses it (nothing changes then)."""
        with self._lock:
            config = options.account_config(read_state(account))
            previous = self._configs.get(account.id) or AccountConfig(account.id)
            for refusal in config.refusals:
                if refusal not in previous.refusals:
                    raise refusal.error()
            for note in config.left_out:
                log.info("runtime: %s: not running %s", account.id, note)
            configs = {**self._configs, account.id: config}
            wanted = self._workers(configs)
            restarts = wanted != self._running
            if restarts:
                result = self._apply(wanted)
                if not result["ok"]:
                    if result.get("restored"):
                        self._revive()
                    raise self._refused(account.id, result)
            self._configs = configs
            if restarts:
                self._revive()
            gone = sorted(previous.registered - config.registered)
            if gone:
                self._forget(account, gone)

    def _forget(self, account: Account, workflows: list[str]) -> None:
        """A deleted workflow's instances go with it: their storage, and the record of who started them."""
        try:
            self.sidecar.forget([names.workflow(account.id, name) for name in workflows])
        except SidecarError as exc:
            log.warning("runtime: the instances of %s were not removed: %s", workflows, exc)
        for name in workflows:
            account.store.delete_children(account.id, ORIGIN, name)

    def instances(self, account: Account) -> RuntimeInstances:
        return RuntimeInstances(account, self)

    def designator(self, account_id: str, workflow_name: str) -> dict[str, Any] | None:
        """How workerd runs the account's workflow, or None when it does not run it."""
        config = self._configs.get(account_id)
        return None if config is None else config.runnable.get(workflow_name)

    def drop_instance(self, workflow: str, instance_id: str) -> None:
        """Drop an instance's engine in workerd (`workflow` is its runtime name)."""
        try:
            workers.drop_instance(self.client, workflow, instance_id)
        except httpx.HTTPError as exc:
            raise ApiError(
                errors.INTERNAL_ERROR, f"The workflow runtime did not delete it: {exc!r}", 500
            ) from exc

    # -- Workers' fetch handlers ---------------------------------------------------------------------
    def fetch(
        self,
        script: str,
        account_id: str | None,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> workers.Answer:
        """Request a deployed script's fetch handler (raises `workers.NoSuchWorker`)."""
        deployed = {
            a: {w["name"].split(names.SEPARATOR, 1)[1] for w in c.workers} for a, c in self._configs.items()
        }
        worker = workers.resolve(deployed, script, account_id)
        return workers.forward(self.client, worker, method, url, headers, body)

    # -- state, for /__local/runtime -----------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return {
            "runtime": True,
            "running": self.sidecar.running(),
            "sidecar_start_seconds": round(self.sidecar.started_seconds, 6),
            "workers": max(0, len(self._running or []) - 1),
            "processes": self.sidecar.processes(),
            "applies": list(self.applies),
        }

    # -- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _workers(configs: dict[str, AccountConfig]) -> list[dict[str, Any]]:
        """The whole configuration: the runtime's own Worker first, then every account's."""
        ordered = [configs[a] for a in sorted(configs)]
        return [options.internal_worker(ordered), *(w for c in ordered for w in c.workers)]

    def _apply(self, wanted: list[dict[str, Any]]) -> dict[str, Any]:
        began = time.perf_counter()
        try:
            result = self.sidecar.apply(wanted)
        except SidecarError as exc:
            raise ApiError(
                errors.INTERNAL_ERROR, f"The Workers runtime is down ({exc}): restart cloudflare-local", 500
            ) from exc
        if result["ok"]:
            self._running = wanted
        elif not result.get("restored"):
            self._running = None
        self.applies.append(
            {
                "ok": bool(result["ok"]),
                "seconds": round(time.perf_counter() - began, 6),
                "workerd_seconds": round(float(result.get("seconds", 0.0)), 6),
                "workers": len(wanted) - 1,
            }
        )
        return result

    def _revive(self) -> None:
        running = [d["name"] for c in self._configs.values() for d in c.runnable.values()]
        try:
            count = revive(self.explorer, running)
        except ApiError as exc:
            log.warning("runtime: reviving in-flight instances failed: %s", exc.message)
            return
        if count:
            log.info("runtime: revived %d in-flight instance(s)", count)

    @staticmethod
    def _refused(account_id: str, result: dict[str, Any]) -> ApiError:
        """workerd's own reason, in the account's names (its Workers are `<account>.<script>` in there)."""
        lines = [_ANSI.sub("", line).strip() for line in str(result.get("log") or "").splitlines()]
        reason = "; ".join(line for line in lines if line) or str(result.get("error"))
        reason = reason.replace(f"{account_id}{names.SEPARATOR}", "")
        return ApiError(
            errors.SCRIPT_VALIDATION,
            f"Script validation failed: the Workers runtime would not start with this upload ({reason}); "
            "fix it and upload again (the previous version keeps running)",
            400,
        )

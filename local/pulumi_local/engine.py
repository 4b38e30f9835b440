"""One deployment: a preview or an apply of `up`, `refresh` or `destroy`, orchestrated as the engine does it.

`up`/`preview` run the program against a ResourceMonitor served here; each registration becomes a step
(`steps.py` decides which) driven through one `python -m pulumi.dynamic` process. In a preview no Create,
Update or Delete is ever called: a create or update answers the program with the checked inputs as outputs
(the engine's behaviour for a provider without `supportsPreview`), so every other output, and every
dependent's input built from one, is unknown. After the program ends, removed and replaced resources are
deleted in reverse dependency order. A failed step stops the deployment; every completed step is already in
the checkpoint, which is written after each one.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pulumi_local.dynamic import DynamicProvider, ProviderError
from pulumi_local.monitor import AliasSpec, MonitorError, MonitorServer, Outcome, Registration
from pulumi_local.program import run_program
from pulumi_local.project import Project, StackConfig
from pulumi_local.state import PYTHON_PROVIDER_TYPE, STACK_TYPE, ResourceState, StateStore, now_iso
from pulumi_local.steps import (
    Op,
    StepError,
    StepEvent,
    apply_replace_on_changes,
    check_delete_allowed,
    check_replace_allowed,
    classify,
    delete_before_replace,
    deletes_after_program,
    inputs_with_unknown_dependencies,
    make_urn,
    resolve_diff,
    transitive_dependents,
)
from pulumi_local.values import (
    UNKNOWN,
    PropertyMap,
    annotate_secrets,
    apply_ignore_changes,
    diff_inputs,
    make_secret,
    strip_secrets,
)

DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"
DEFAULT_PROVIDER_NAME = "default"


@dataclass
class Diagnostic:
    severity: str
    message: str
    urn: str = ""


@dataclass
class Transcript:
    """Everything a deployment reports, collected thread-safely; `on_event` sees each item as it happens."""

    steps: list[StepEvent] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: PropertyMap = field(default_factory=dict)
    error: str = ""
    on_event: Callable[[StepEvent | Diagnostic], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self, event: StepEvent) -> None:
        with self._lock:
            self.steps.append(event)
            if self.on_event:
                self.on_event(event)

    def diag(self, severity: str, message: str, urn: str = "") -> None:
        item = Diagnostic(severity, message, urn)
        with self._lock:
            self.diagnostics.append(item)
            if self.on_event:
                self.on_event(item)


@dataclass
class Context:
    """What every deployment of one stack needs: the project, config, state and environment."""

    project: Project
    stack: str
    config: StackConfig
    store: StateStore
    env: dict[str, str]
    parallel: int = 16


class Deployment:
    """One phase of one operation. `kind` is update, refresh or destroy; `dry_run` makes it a preview."""

    def __init__(self, ctx: Context, kind: str, dry_run: bool, transcript: Transcript) -> None:
        self.ctx = ctx
        self.kind = kind
        self.dry_run = dry_run
        self.transcript = transcript
        self.project = ctx.project.name
        self.stack = ctx.stack
        self.config = dict(ctx.config.values)
        self.secret_keys = set(ctx.config.secret_keys)
        self.olds = ctx.store.load()
        self.news: list[ResourceState] = []
        self._done: set[int] = set()  # id() of old states superseded or deleted
        self._old_by_urn = {r.urn: r for r in self.olds if not r.delete}
        self._new_by_urn: dict[str, ResourceState] = {}
        self._seen: set[str] = set()
        self._aliased: set[str] = set()
        self._lock = threading.RLock()
        self._provider_lock = threading.Lock()
        self._provider: DynamicProvider | None = None
        self._provider_ref = ""
        self.failed = False

    # --- entry points ---------------------------------------------------------------------------------

    def run(self) -> Transcript:
        try:
            if self.kind == "update":
                self._run_update()
            elif self.kind == "refresh":
                self._run_refresh()
            elif self.kind == "destroy":
                self._run_destroy()
            else:
                raise ValueError(f"unknown deployment kind {self.kind!r}")
        finally:
            if self._provider is not None:
                self._provider.close()
        return self.transcript

    def _run_update(self) -> None:
        with MonitorServer(self) as server:
            code = run_program(
                program=self.ctx.project.main,
                program_dir=self.ctx.project.program_dir,
                project=self.project,
                stack=self.stack,
                monitor_address=server.address,
                engine_address=server.address,
                dry_run=self.dry_run,
                config=self.config,
                secret_keys=self.secret_keys,
                parallel=self.ctx.parallel,
                env=self.ctx.env,
                on_output=lambda line: self.transcript.diag("info", line),
            )
        if self.failed:
            return
        if code != 0:
            self._fail("", f"the Python program exited with code {code}; see the diagnostics above")
            return
        self._delete_phase()

    # --- the program's side (monitor callbacks) -----------------------------------------------------------

    def register(self, reg: Registration) -> Outcome:
        urn = make_urn(self.stack, self.project, reg.type, reg.name, reg.parent)
        self._validate(reg, urn)
        with self._lock:
            if self.failed:
                # The engine starts no new step once one has failed; the program sees the resource as failed.
                return Outcome(urn=urn, failed=True)
            if urn in self._seen:
                raise MonitorError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
            self._seen.add(urn)
            old, alias_urn = self._find_old(urn, reg)
        try:
            if reg.custom:
                return self._register_custom(reg, urn, old, alias_urn)
            return self._register_component(reg, urn, old, alias_urn)
        except (StepError, ProviderError) as exc:
            self._fail(urn, _error_text(exc))
            return Outcome(urn=urn, failed=True)

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        with self._lock:
            res = self._new_by_urn.get(urn)
            if res is None:
                return
            res.outputs = outputs
            if res.type == STACK_TYPE:
                self.transcript.outputs = outputs
            self._save()

    def read_resource(
        self, type_: str, name: str, id_: str, parent: str, props: PropertyMap, deps: list[str]
    ) -> Outcome:
        urn = make_urn(self.stack, self.project, type_, name, parent)
        if not type_.startswith(DYNAMIC_TYPE_PREFIX):
            raise MonitorError(f"pulumi-local can only read dynamic resources, not {type_}")
        try:
            ref = self._ensure_default_provider()
            result = self._client().read(urn, id_, {}, props)
        except ProviderError as exc:
            self._fail(urn, _error_text(exc))
            return Outcome(urn=urn, failed=True)
        if not result.id:
            raise MonitorError(f"resource '{id_}' does not exist")
        new = ResourceState(
            urn=urn,
            type=type_,
            custom=True,
            id=result.id,
            inputs=props,
            outputs=annotate_secrets(result.outputs, props),
            parent=parent,
            dependencies=deps,
            provider=ref,
            external=True,
        )
        with self._lock:
            self._seen.add(urn)
            old = self._old_by_urn.get(urn)
            if old is not None:
                self._done.add(id(old))
            self._commit(new)
        self.transcript.step(StepEvent(Op.READ, urn, type_, ref, old, new))
        return Outcome(urn=urn, id=result.id, outputs=new.outputs)

    def log(self, severity: str, message: str, urn: str, ephemeral: bool) -> None:
        if severity == "debug":
            return  # shown by pulumi only with --debug
        if not ephemeral or severity in ("warning", "error"):
            self.transcript.diag(severity, message.rstrip("\n"), urn)

    # --- registrations ------------------------------------------------------------------------------------

    def _validate(self, reg: Registration, urn: str) -> None:
        if reg.remote:
            raise MonitorError(f"{urn}: pulumi-local does not support multi-language components")
        if reg.custom and not reg.type.startswith(DYNAMIC_TYPE_PREFIX):
            raise MonitorError(
                f"{urn}: pulumi-local drives only Python dynamic resources (pulumi-python:dynamic...) and "
                f"components; {reg.type} needs a resource plugin, which needs the real pulumi CLI"
            )
        if reg.import_id:
            raise MonitorError(f"{urn}: dynamic resources cannot be imported (pulumi/pulumi#16175)")
        if reg.provider:
            raise MonitorError(f"{urn}: explicit provider resources are not supported by pulumi-local")

    def _find_old(self, urn: str, reg: Registration) -> tuple[ResourceState | None, str]:
        old = self._old_by_urn.get(urn)
        if old is not None:
            return old, ""
        for alias in reg.aliases:
            alias_urn = self._alias_urn(alias, reg)
            candidate = self._old_by_urn.get(alias_urn)
            if candidate is not None and alias_urn not in self._seen and alias_urn not in self._aliased:
                self._aliased.add(alias_urn)
                return candidate, alias_urn
        return None, ""

    def _alias_urn(self, alias: AliasSpec, reg: Registration) -> str:
        if alias.urn:
            return alias.urn
        parent = "" if alias.no_parent else (alias.parent_urn or reg.parent)
        return make_urn(
            alias.stack or self.stack,
            alias.project or self.project,
            alias.type or reg.type,
            alias.name or reg.name,
            parent,
        )

    def _new_state(self, reg: Registration, urn: str, inputs: PropertyMap, alias_urn: str) -> ResourceState:
        return ResourceState(
            urn=urn,
            type=reg.type,
            custom=reg.custom,
            inputs=inputs,
            parent=reg.parent,
            dependencies=list(reg.dependencies),
            property_dependencies=dict(reg.property_dependencies),
            protect=reg.protect,
            retain_on_delete=reg.retain_on_delete,
            additional_secret_outputs=list(reg.additional_secret_outputs),
            ignore_changes=list(reg.ignore_changes),
            aliases=[alias_urn] if alias_urn else [],
        )

    def _register_component(
        self, reg: Registration, urn: str, old: ResourceState | None, alias_urn: str
    ) -> Outcome:
        new = self._new_state(reg, urn, reg.inputs, alias_urn)
        if old is None:
            op = Op.CREATE
            new.created = new.modified = now_iso()
        else:
            op = Op.SAME if strip_secrets(old.inputs) == strip_secrets(reg.inputs) else Op.UPDATE
            new.outputs = old.outputs
            new.created, new.modified = old.created, (old.modified if op == Op.SAME else now_iso())
        with self._lock:
            if old is not None:
                self._done.add(id(old))
            self._commit(new)
        changed = diff_inputs(old.inputs, reg.inputs)[0] if old is not None and op == Op.UPDATE else []
        self.transcript.step(StepEvent(op, urn, reg.type, "", old, new, diff_reasons=changed))
        return Outcome(urn=urn)

    def _register_custom(
        self, reg: Registration, urn: str, old: ResourceState | None, alias_urn: str
    ) -> Outcome:
        ref = self._ensure_default_provider()
        client = self._client()
        inputs = reg.inputs
        if old is not None and reg.ignore_changes:
            inputs = apply_ignore_changes(inputs, old.inputs, reg.ignore_changes)
        checked = self._check(client, urn, old.inputs if old else {}, inputs, old.outputs if old else {})
        new = self._new_state(reg, urn, checked, alias_urn)
        new.provider = ref
        if old is None:
            self._create(client, new, reg)
            self._finish_step(StepEvent(Op.CREATE, urn, reg.type, ref, None, new), new, None)
            return Outcome(urn=urn, id=new.id, outputs=new.outputs)

        provider_diff = client.diff(urn, old.id, old.outputs, checked, old.inputs, reg.ignore_changes)
        diff = apply_replace_on_changes(
            resolve_diff(provider_diff, old.inputs, checked, reg.ignore_changes), reg.replace_on_changes
        )
        op = classify(diff)
        if op == Op.SAME:
            new.id, new.outputs = old.id, old.outputs
            new.created, new.modified = old.created, old.modified
            self._finish_step(StepEvent(Op.SAME, urn, reg.type, ref, old, new), new, old)
            return Outcome(urn=urn, id=new.id, outputs=new.outputs)
        if op == Op.UPDATE:
            self._update(client, old, new, reg)
            event = StepEvent(
                Op.UPDATE, urn, reg.type, ref, old, new, diff.changed_keys, [], diff.detailed_diff or None
            )
            self._finish_step(event, new, old)
            return Outcome(urn=urn, id=new.id, outputs=new.outputs)

        # Replacement: recompute defaults with a second Check(olds={}), then create-before-delete unless
        # the provider or the resource option says delete-before-replace.
        check_replace_allowed(urn, old, reg.protect)
        new.inputs = self._check(client, urn, {}, inputs, {})
        replace_event = StepEvent(
            Op.REPLACE,
            urn,
            reg.type,
            ref,
            old,
            new,
            diff.changed_keys,
            diff.replace_keys,
            diff.detailed_diff or None,
        )
        if delete_before_replace(diff, reg.delete_before_replace):
            for dependent in reversed(self._dependent_replacements(client, old)):
                self._delete(client, dependent, Op.DELETE_REPLACED, logical=False)
            self._delete(client, old, Op.DELETE_REPLACED, logical=False)
            self.transcript.step(replace_event)
            self._create(client, new, reg)
            self._finish_step(
                StepEvent(Op.CREATE_REPLACEMENT, urn, reg.type, ref, old, new, logical=False), new, None
            )
        else:
            self._create(client, new, reg)
            with self._lock:
                old.delete = True  # deleted after every create and update of this deployment
            self._finish_step(
                StepEvent(Op.CREATE_REPLACEMENT, urn, reg.type, ref, old, new, logical=False), new, None
            )
            self.transcript.step(replace_event)
        return Outcome(urn=urn, id=new.id, outputs=new.outputs)

    def _check(
        self,
        client: DynamicProvider,
        urn: str,
        olds: PropertyMap,
        news: PropertyMap,
        old_outputs: PropertyMap,
    ) -> PropertyMap:
        result = client.check(urn, olds, news, old_outputs)
        if result.failures:
            reasons = "; ".join(f"{prop + ': ' if prop else ''}{reason}" for prop, reason in result.failures)
            raise StepError(urn, f"resource {urn} has check errors: {reasons}")
        return annotate_secrets(result.inputs, news)

    def _create(self, client: DynamicProvider, new: ResourceState, reg: Registration) -> None:
        if self.dry_run:
            new.id, new.outputs = "", dict(new.inputs)
            return
        id_, outputs = client.create(new.urn, new.inputs)
        if not id_:
            raise StepError(new.urn, "provider did not return an ID from Create")
        new.id = id_
        new.outputs = _mark_secret_outputs(
            annotate_secrets(outputs, new.inputs), reg.additional_secret_outputs
        )
        new.created = new.modified = now_iso()

    def _update(
        self, client: DynamicProvider, old: ResourceState, new: ResourceState, reg: Registration
    ) -> None:
        new.id, new.created = old.id, old.created
        if self.dry_run:
            new.outputs, new.modified = dict(new.inputs), old.modified
            return
        outputs = client.update(new.urn, old.id, old.outputs, new.inputs, old.inputs, reg.ignore_changes)
        new.outputs = _mark_secret_outputs(
            annotate_secrets(outputs, new.inputs), reg.additional_secret_outputs
        )
        new.modified = now_iso()

    def _dependent_replacements(self, client: DynamicProvider, root: ResourceState) -> list[ResourceState]:
        """Dependents that a delete-before-replace of `root` would force to be replaced too (asked of the
        provider with the affected inputs unknown), in dependency order."""
        condemned = {root.urn}
        result: list[ResourceState] = []
        with self._lock:
            live = [r for r in self.olds if id(r) not in self._done and not r.delete]
        for res in transitive_dependents(live, root.urn):
            if not res.custom or not res.type.startswith(DYNAMIC_TYPE_PREFIX):
                continue
            inputs = inputs_with_unknown_dependencies(res, condemned, UNKNOWN)
            if inputs is None:
                continue
            answer = client.diff(res.urn, res.id, res.outputs, inputs, res.inputs, res.ignore_changes)
            if resolve_diff(answer, res.inputs, inputs, res.ignore_changes).replace:
                condemned.add(res.urn)
                result.append(res)
        return result

    def _delete(self, client: DynamicProvider | None, old: ResourceState, op: Op, logical: bool) -> None:
        check_delete_allowed(old, replacing=op == Op.DELETE_REPLACED)
        calls_provider = (
            old.custom
            and old.type.startswith(DYNAMIC_TYPE_PREFIX)
            and not old.retain_on_delete
            and not old.external
        )
        if calls_provider and not self.dry_run:
            (client or self._client()).delete(old.urn, old.id, old.outputs, old.inputs)
        with self._lock:
            self._done.add(id(old))
            if self._old_by_urn.get(old.urn) is old:
                del self._old_by_urn[old.urn]
            self._save()
        if old.type != PYTHON_PROVIDER_TYPE:
            self.transcript.step(StepEvent(op, old.urn, old.type, old.provider, old, None, logical=logical))

    def _finish_step(self, event: StepEvent, new: ResourceState, old: ResourceState | None) -> None:
        with self._lock:
            if old is not None:
                self._done.add(id(old))
            self._commit(new)
        self.transcript.step(event)

    def _commit(self, new: ResourceState) -> None:
        self.news.append(new)
        self._new_by_urn[new.urn] = new
        self._save()

    def _fail(self, urn: str, message: str) -> None:
        with self._lock:
            first = not self.failed
            self.failed = True
            if first:
                self.transcript.error = message
        self.transcript.diag("error", message, urn)

    # --- the default provider and its process -----------------------------------------------------------

    def _ensure_default_provider(self) -> str:
        """Registers the default `pulumi:providers:pulumi-python` provider on first use (a same step when it
        is already in state) and returns the `urn::id` reference resources store."""
        with self._lock:
            if self._provider_ref:
                return self._provider_ref
            urn = make_urn(self.stack, self.project, PYTHON_PROVIDER_TYPE, DEFAULT_PROVIDER_NAME)
            self._seen.add(urn)
            old = self._old_by_urn.get(urn)
            if old is not None:
                new = old.copy()
                self._done.add(id(old))
            else:
                new = ResourceState(urn=urn, type=PYTHON_PROVIDER_TYPE, custom=True)
                new.id = UNKNOWN if self.dry_run else str(uuid.uuid4())
                new.created = new.modified = now_iso()
            self._commit(new)
            self._provider_ref = f"{urn}::{new.id}"
            return self._provider_ref

    def _client(self) -> DynamicProvider:
        with self._provider_lock:
            if self._provider is None:
                provider = DynamicProvider(
                    self.ctx.project.program_dir,
                    self.project,
                    env=self.ctx.env,
                    on_output=lambda line: self.transcript.diag("info", line),
                )
                try:
                    urn = make_urn(self.stack, self.project, PYTHON_PROVIDER_TYPE, DEFAULT_PROVIDER_NAME)
                    known = self._old_by_urn.get(urn) or self._new_by_urn.get(urn)
                    provider.configure(self.config, self.secret_keys, urn, known.id if known else "")
                except BaseException:
                    provider.close()
                    raise
                self._provider = provider
            return self._provider

    # --- phases that do not run the program ---------------------------------------------------------------

    def _delete_phase(self) -> None:
        with self._lock:
            candidates = deletes_after_program(self.olds, self._seen, self._aliased)
        for old in candidates:
            if id(old) in self._done:
                continue
            try:
                self._delete(
                    None, old, Op.DELETE_REPLACED if old.delete else Op.DELETE, logical=not old.delete
                )
            except (StepError, ProviderError) as exc:
                self._fail(old.urn, _error_text(exc))
                return

    def _run_destroy(self) -> None:
        for old in reversed(self.olds):
            if id(old) in self._done:
                continue
            try:
                self._delete(None, old, Op.DELETE, logical=True)
            except (StepError, ProviderError) as exc:
                self._fail(old.urn, _error_text(exc))
                return

    def _run_refresh(self) -> None:
        for old in self.olds:
            if not old.custom or not old.type.startswith(DYNAMIC_TYPE_PREFIX) or old.delete:
                with self._lock:
                    self._done.add(id(old))
                    self._commit(old.copy())
                continue
            try:
                result = self._client().read(old.urn, old.id, old.outputs, old.inputs)
            except ProviderError as exc:
                self._fail(old.urn, _error_text(exc))
                return
            with self._lock:
                self._done.add(id(old))
            if not result.id:
                with self._lock:
                    self._save()
                self.transcript.step(StepEvent(Op.DELETE, old.urn, old.type, old.provider, old, None))
                continue
            new = old.copy()
            new.id = result.id
            new.outputs = annotate_secrets(result.outputs, old.outputs)
            if result.inputs is not None:
                new.inputs = annotate_secrets(result.inputs, old.inputs)
            changed, detailed = diff_inputs(old.outputs, new.outputs)
            with self._lock:
                self._commit(new)
            op = Op.UPDATE if changed else Op.SAME
            self.transcript.step(
                StepEvent(op, old.urn, old.type, old.provider, old, new, changed, [], detailed or None)
            )

    # --- state ------------------------------------------------------------------------------------------

    def snapshot(self) -> list[ResourceState]:
        """New states in completion order, then the old ones not yet superseded (the snapshot manager's
        merge)."""
        with self._lock:
            return list(self.news) + [r for r in self.olds if id(r) not in self._done]

    def _save(self) -> None:
        if not self.dry_run:
            self.ctx.store.save(self.snapshot())


def _mark_secret_outputs(outputs: PropertyMap, keys: list[str]) -> PropertyMap:
    return {k: make_secret(v) if k in keys else v for k, v in outputs.items()}


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ProviderError):
        return f"{exc.method} failed ({exc.code.name}):\n{exc.details}"
    return str(exc)

"""`pulumi-local`: the pulumi CLI's preview/up/refresh/destroy, stack export and config set, with its flags.

    pulumi-local [--cwd DIR] [--stack NAME] preview [--json] [--diff] [--expect-no-changes]
    pulumi-local [--cwd DIR] [--stack NAME] up --yes [--skip-preview]
    pulumi-local [--cwd DIR] [--stack NAME] refresh --yes
    pulumi-local [--cwd DIR] [--stack NAME] destroy --yes
    pulumi-local [--cwd DIR] [--stack NAME] stack export [--show-secrets]
    pulumi-local [--cwd DIR] [--stack NAME] config set KEY VALUE [--secret]

The stack defaults to `PULUMI_STACK` or `dev`; state lives in `<project>/.pulumi-local/` unless
`PULUMI_LOCAL_STATE_DIR` says otherwise. Errors exit with 255, as pulumi does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from pulumi_local.crypto import SecretsError, load_crypter
from pulumi_local.display import DisplayOptions, HumanPrinter, json_digest
from pulumi_local.operations import (
    EXIT_ERROR,
    OperationOutcome,
    Phase,
    open_context,
    run_operation,
    state_dir_for,
)
from pulumi_local.project import ProjectError, load_config, load_project, namespaced, set_config
from pulumi_local.state import STACK_TYPE, StateStore
from pulumi_local.values import is_secret, strip_secrets


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-C", "--cwd", default=argparse.SUPPRESS, help="run as if started in DIR")
    common.add_argument(
        "-s", "--stack", default=argparse.SUPPRESS, help="the stack (default: $PULUMI_STACK or dev)"
    )
    common.add_argument("--non-interactive", action="store_true", default=argparse.SUPPRESS)

    parser = argparse.ArgumentParser(
        prog="pulumi-local", parents=[common], description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def display_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-j", "--json", action="store_true", help="print the digest as `pulumi preview --json` does"
        )
        p.add_argument("--diff", action="store_true", help="show the changed properties of each resource")
        p.add_argument("--show-sames", action="store_true")
        p.add_argument("--show-replacement-steps", action="store_true")
        p.add_argument("--expect-no-changes", action="store_true", help="fail if anything would change")

    preview = sub.add_parser("preview", parents=[common], help="show what `up` would do")
    display_flags(preview)
    for name in ("up", "refresh", "destroy"):
        p = sub.add_parser(name, parents=[common])
        display_flags(p)
        p.add_argument("-y", "--yes", action="store_true", help="proceed without confirmation")
        p.add_argument("-f", "--skip-preview", action="store_true", help="do not preview first")

    stack = sub.add_parser("stack", parents=[common], help="stack export / output")
    stack_sub = stack.add_subparsers(dest="stack_command", required=True)
    export = stack_sub.add_parser("export", parents=[common])
    export.add_argument("--show-secrets", action="store_true")
    export.add_argument("--file")
    output = stack_sub.add_parser("output", parents=[common])
    output.add_argument("name", nargs="?")
    output.add_argument("-j", "--json", action="store_true")
    output.add_argument("--show-secrets", action="store_true")

    config = sub.add_parser("config", parents=[common], help="config set / get")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_set = config_sub.add_parser("set", parents=[common])
    config_set.add_argument("key")
    config_set.add_argument("value")
    config_set.add_argument("--secret", action="store_true")
    config_set.add_argument("--plaintext", action="store_true")
    config_get = config_sub.add_parser("get", parents=[common])
    config_get.add_argument("key")
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, env: Mapping[str, str] | None = None
) -> int:
    out = out or sys.stdout
    full_env = dict(os.environ if env is None else env)
    args = build_parser().parse_args(argv)
    cwd = Path(getattr(args, "cwd", None) or os.getcwd()).resolve()
    stack = getattr(args, "stack", None) or full_env.get("PULUMI_STACK") or "dev"
    try:
        if args.command in ("preview", "up", "refresh", "destroy"):
            return _operation(args, cwd, stack, out, full_env)
        if args.command == "stack":
            return _stack(args, cwd, stack, out, full_env)
        return _config(args, cwd, stack, out, full_env)
    except (ProjectError, SecretsError) as exc:
        print(f"error: {exc}", file=out)
        return EXIT_ERROR


def _operation(args: argparse.Namespace, cwd: Path, stack: str, out: TextIO, env: dict[str, str]) -> int:
    if args.command != "preview" and not args.yes:
        print("error: --yes must be passed in to proceed when running in non-interactive mode", file=out)
        return EXIT_ERROR
    opts = DisplayOptions(args.diff, args.show_sames, args.show_replacement_steps)
    ctx = open_context(cwd, stack, env)

    def on_phase(phase: Phase) -> Callable[[object], None] | None:
        if args.json:
            return None
        printer = HumanPrinter(out, opts, phase.dry_run)
        printer.header(f"{phase.title} ({stack}):")
        return printer.event  # type: ignore[return-value]

    def on_phase_end(phase: Phase) -> None:
        if not args.json:
            t = phase.transcript
            HumanPrinter(out, opts, phase.dry_run).summary(t.steps, t.outputs, "")
            print(f"Duration: {phase.duration_ns / 1e9:.1f}s\n", file=out)

    outcome = run_operation(
        ctx,
        args.command,
        skip_preview=getattr(args, "skip_preview", False),
        expect_no_changes=args.expect_no_changes,
        on_phase=on_phase,
        on_phase_end=on_phase_end,
    )
    if args.json:
        print(json.dumps(_digest(outcome, opts), indent=4), file=out)
    if outcome.error:
        if not args.json:
            print(f"error: {outcome.error}", file=out)
            if outcome.error.startswith("no changes were expected"):
                for step in outcome.steps:
                    if step.is_change and step.logical:
                        reasons = ",".join(step.replace_reasons or step.diff_reasons)
                        print(
                            f"    {step.op.value} {step.urn}{' [' + reasons + ']' if reasons else ''}",
                            file=out,
                        )
        else:
            print(f"error: {outcome.error.splitlines()[0]}", file=sys.stderr)
    return outcome.exit_code


def _digest(outcome: OperationOutcome, opts: DisplayOptions) -> dict[str, object]:
    phase = outcome.last
    t = phase.transcript
    return json_digest(t.steps, t.diagnostics, opts, phase.duration_ns)


def _stack(args: argparse.Namespace, cwd: Path, stack: str, out: TextIO, env: dict[str, str]) -> int:
    project = load_project(cwd)
    state_dir = state_dir_for(project.root, env)
    store = StateStore(state_dir, project.name, stack, load_crypter(state_dir, stack, env))
    if args.stack_command == "export":
        text = json.dumps(store.export(show_secrets=args.show_secrets), indent=4)
        if args.file:
            Path(args.file).write_text(text + "\n")
        else:
            print(text, file=out)
        return 0
    root = next((r for r in store.load() if r.type == STACK_TYPE), None)
    outputs = root.outputs if root else {}
    shown = strip_secrets(outputs) if args.show_secrets else _mask(outputs)
    if args.name:
        if args.name not in shown:
            print(f"error: current stack does not have output property '{args.name}'", file=out)
            return EXIT_ERROR
        value = shown[args.name]
        print(json.dumps(value) if args.json or not isinstance(value, str) else value, file=out)
    else:
        print(json.dumps(shown, indent=4), file=out)
    return 0


def _mask(outputs: dict[str, object]) -> dict[str, object]:
    return {k: "[secret]" if is_secret(v) else v for k, v in outputs.items()}


def _config(args: argparse.Namespace, cwd: Path, stack: str, out: TextIO, env: dict[str, str]) -> int:
    project = load_project(cwd)
    crypter = load_crypter(state_dir_for(project.root, env), stack, env)
    if args.config_command == "set":
        set_config(project, stack, args.key, args.value, args.secret, crypter)
        return 0
    config = load_config(project, stack, crypter)
    key = namespaced(project.name, args.key)
    if key not in config.values:
        print(f"error: configuration key '{key}' not found for stack '{stack}'", file=out)
        return EXIT_ERROR
    print(config.values[key], file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

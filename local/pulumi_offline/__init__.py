"""The real `pulumi` CLI, run offline for the tests, the benchmarks and the demo.

`make` builds the pinned engine into `.engine/bin` (engine/build.py); this package finds it and runs it
the way these machines need (a `file://` backend, a passphrase, no update check, no plugin downloads, the
project's venv Python for the language host and the dynamic-provider shim), and reads its `--json` output
into steps. A user's own `pulumi` needs none of this: it is how a sandbox without network or a Pulumi Cloud
login runs it.
"""

from pulumi_offline.engine import EngineMissingError, engine_bin_dir, engine_version, offline_env
from pulumi_offline.results import UNKNOWN, OperationResult, StepRecord
from pulumi_offline.stack import Stack

__all__ = [
    "UNKNOWN",
    "EngineMissingError",
    "OperationResult",
    "Stack",
    "StepRecord",
    "engine_bin_dir",
    "engine_version",
    "offline_env",
]

"""SQLite persistence for the state model: JSON documents keyed by (account, kind, key), plus blobs.

Documents rather than one table per object: the stored shape is the model's dataclass, so adding a field
needs no migration, and every write of one API call happens in one transaction (a crash never leaves half
an upload). One connection guarded by a lock: the model already serialises writes, and SQLite in WAL mode
keeps the file consistent across a kill.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (account, kind, key)
);
CREATE INDEX IF NOT EXISTS objects_parent ON objects (account, kind, parent, seq);
CREATE TABLE IF NOT EXISTS blobs (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (account, key)
);
"""


class Store:
    """Thread-safe document store; `transaction()` groups writes, reads see committed state."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nesting joins the outer transaction)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    # -- documents ---------------------------------------------------------------------------------
    def get(self, account: str, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM objects WHERE account=? AND kind=? AND key=?", (account, kind, key)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, account: str, kind: str, key: str, doc: dict[str, Any], parent: str = "") -> None:
        """Insert or replace; a replaced document keeps its original position in listings."""
        text = json.dumps(doc, separators=(",", ":"), sort_keys=True)
        with self._lock:
            self._conn.execute(
                "INSERT INTO objects (account, kind, parent, key, doc) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (account, kind, key) DO UPDATE SET doc=excluded.doc, parent=excluded.parent",
                (account, kind, parent, key, text),
            )

    def delete(self, account: str, kind: str, key: str) -> None:
        with self._lock:
            self._conn.execute(
                "DELETE FROM objects WHERE account=? AND kind=? AND key=?", (account, kind, key)
            )

    def delete_children(self, account: str, kind: str, parent: str) -> None:
        with self._lock:
            self._conn.execute(
                "DELETE FROM objects WHERE account=? AND kind=? AND parent=?", (account, kind, parent)
            )

    def accounts(self, kind: str) -> list[str]:
        """The accounts that hold documents of `kind` (e.g. every account with a script)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT account FROM objects WHERE kind=? ORDER BY account", (kind,)
            ).fetchall()
        return [str(row[0]) for row in rows]

    def list(self, account: str, kind: str, parent: str | None = None) -> list[dict[str, Any]]:
        """Documents of one kind (optionally under one parent), oldest first."""
        query = "SELECT doc FROM objects WHERE account=? AND kind=?"
        args: tuple[str, ...] = (account, kind)
        if parent is not None:
            query += " AND parent=?"
            args += (parent,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY seq", args).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def count_by(self, account: str, kind: str, parent: str, field: str) -> dict[str, int]:
        """How many documents under `parent` have each value of `field` (e.g. instances per status)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT json_extract(doc, ?), count(*) FROM objects "
                "WHERE account=? AND kind=? AND parent=? GROUP BY 1",
                (f"$.{field}", account, kind, parent),
            ).fetchall()
        return {str(value): int(count) for value, count in rows}

    # -- blobs (module contents) ---------------------------------------------------------------------
    def put_blob(self, account: str, key: str, data: bytes) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO blobs (account, key, data) VALUES (?, ?, ?)", (account, key, data)
            )

    def get_blob(self, account: str, key: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM blobs WHERE account=? AND key=?", (account, key)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def delete_blobs(self, account: str, prefix: str) -> None:
        with self._lock:
            self._conn.execute(
                "DELETE FROM blobs WHERE account=? AND substr(key, 1, ?)=?", (account, len(prefix), prefix)
            )

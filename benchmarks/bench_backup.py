"""Backup and restore time and size for a database of N conversations x M messages.

    python benchmarks/bench_backup.py [--conversations 2000] [--messages 10] [--postgres URL]

Seeds each database through the real vault (every message encrypted under its customer's
key), then times ``create_backup`` and ``restore_backup(force=True)`` over it. PostgreSQL
runs in a throwaway database created next to the one named by ``--postgres`` (default
``CONFIDE_TEST_POSTGRES_URL`` or postgresql://postgres@127.0.0.1:5432/test); skipped if
none answers.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url

from confide.backups import create_backup, restore_backup
from confide.config import Settings
from confide.conversations.models import Conversation, Message
from confide.conversations.service import start_conversation
from confide.db import unit_of_work
from confide.runtime import Runtime, build_runtime
from confide.subjects.models import Subject
from confide.vault import FieldRef

DEFAULT_PG = os.environ.get(
    "CONFIDE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def seed(runtime: Runtime, conversations: int, messages: int) -> None:
    per_transaction = 200
    for start in range(0, conversations, per_transaction):
        with unit_of_work(runtime.sessions) as session:
            for n in range(start, min(start + per_transaction, conversations)):
                started = start_conversation(
                    session, runtime.vault, customer=None, channel="api", company="Bench"
                )
                conversation_id = started.conversation_id
                subject_key = session.get(Subject, started.subject_id).data_key_id
                for seq in range(2, messages + 1):
                    message_id = uuid.uuid4()
                    text = f"customer {n} message {seq}: where is my parcel, it is late again"
                    ref = FieldRef("messages", "text", str(message_id))
                    session.add(
                        Message(
                            id=message_id,
                            conversation_id=conversation_id,
                            seq=seq,
                            role="customer" if seq % 2 == 0 else "assistant",
                            text_ct=runtime.vault.seal(session, subject_key, ref, text),
                            intent="track_order",
                            confidence=0.91,
                            decision="act",
                            citations=[],
                        )
                    )
                session.get(Conversation, conversation_id).message_count = messages


def measure(label: str, settings: Settings, conversations: int, messages: int) -> dict[str, Any]:
    runtime = build_runtime(settings, create=True)
    try:
        began = time.perf_counter()
        seed(runtime, conversations, messages)
        seeded = time.perf_counter() - began
        path = settings.data_dir / "bench.backup"
        began = time.perf_counter()
        summary = create_backup(runtime.engine, runtime.keyring, path)
        backup_s = time.perf_counter() - began
        began = time.perf_counter()
        restored = restore_backup(
            runtime.engine, runtime.keyring, path, ledger_dir=settings.data_dir, force=True
        )
        restore_s = time.perf_counter() - began
        assert restored.tables == summary.tables
        return {
            "database": label,
            "conversations": conversations,
            "messages": summary.tables["messages"],
            "rows": summary.rows,
            "seed_s": round(seeded, 2),
            "backup_s": round(backup_s, 2),
            "restore_s": round(restore_s, 2),
            "backup_bytes": summary.bytes,
            "rows_per_s_backup": round(summary.rows / backup_s),
            "rows_per_s_restore": round(summary.rows / restore_s),
        }
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_dir = Path(tmp) / "sqlite"
        results.append(
            measure("sqlite", Settings(data_dir=sqlite_dir), args.conversations, args.messages)
        )
        admin_dsn = make_url(args.postgres).set(drivername="postgresql")
        try:
            admin = psycopg.connect(
                admin_dsn.render_as_string(hide_password=False), autocommit=True
            )
        except psycopg.OperationalError:
            print("PostgreSQL not reachable: skipped")
        else:
            name = f"confide_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                url = make_url(args.postgres).set(database=name)
                settings = Settings(
                    data_dir=Path(tmp) / "pg",
                    database_url=url.render_as_string(hide_password=False),
                )
                results.append(measure("postgresql", settings, args.conversations, args.messages))
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()

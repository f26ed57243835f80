"""A backup taken while the server writes is one consistent state of the database."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from confide.backups import create_backup, restore_backup
from confide.conversations import service
from confide.conversations.models import Conversation, Message
from confide.db import unit_of_work
from confide.runtime import Runtime
from tests.backups.helpers import Customer


def _counts_match_messages(runtime: Runtime) -> dict[uuid.UUID, tuple[int, int, list[int]]]:
    """Per conversation: message_count, number of messages, and their seq numbers."""
    with unit_of_work(runtime.sessions) as session:
        stored = {
            conversation_id: count
            for conversation_id, count in session.execute(
                select(Message.conversation_id, func.count()).group_by(Message.conversation_id)
            )
        }
        out = {}
        for conversation in session.scalars(select(Conversation)):
            seqs = sorted(
                session.scalars(
                    select(Message.seq).where(Message.conversation_id == conversation.id)
                )
            )
            out[conversation.id] = (
                conversation.message_count,
                stored.get(conversation.id, 0),
                seqs,
            )
        return out


def _restore(runtime: Runtime, path: Path) -> None:
    restore_backup(
        runtime.engine, runtime.keyring, path, ledger_dir=runtime.settings.data_dir, force=True
    )


def test_messages_committed_while_the_backup_runs_are_not_in_it(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    # The conversations table is read before the messages table; messages written in
    # between must not appear without the message_count that goes with them.
    customer = Customer(client, "between", messages=1)
    written = []

    def write_between_tables(table: str, rows: int) -> None:
        if table == "conversations":
            customer.say("written while the backup is running")
            written.append(table)

    summary = create_backup(
        runtime.engine, runtime.keyring, tmp_path / "b.backup", after_table=write_between_tables
    )
    assert written == ["conversations"]
    assert summary.tables["messages"] == 3  # greeting, one exchange: not the later two
    _restore(runtime, tmp_path / "b.backup")

    state = _counts_match_messages(runtime)
    assert state[uuid.UUID(customer.id)] == (3, 3, [1, 2, 3])


def test_backup_under_a_concurrent_writer_thread_restores_consistent_conversations(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    customers = [Customer(client, f"busy-{n}", messages=1) for n in range(4)]
    assistant = runtime.require_assistant()
    stop, progress = threading.Event(), threading.Condition()
    committed = [0]
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            n = 0
            while not stop.is_set():
                customer = customers[n % len(customers)]
                with unit_of_work(runtime.sessions) as session:
                    service.post_message(
                        session,
                        runtime.vault,
                        assistant,
                        uuid.UUID(customer.id),
                        customer.token,
                        f"busy message {n}",
                        runtime.rules,
                    )
                n += 1
                with progress:
                    committed[0] = n
                    progress.notify_all()
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    def wait_for_a_write(table: str, rows: int) -> None:
        # Make sure the writer commits between the reads of every pair of tables.
        with progress:
            seen = committed[0]
            assert progress.wait_for(lambda: committed[0] > seen or errors, timeout=30)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        summary = create_backup(
            runtime.engine, runtime.keyring, tmp_path / "b.backup", after_table=wait_for_a_write
        )
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    written_during = committed[0]
    assert written_during >= len(summary.tables)

    _restore(runtime, tmp_path / "b.backup")

    state = _counts_match_messages(runtime)
    assert len(state) == len(customers)
    for count, stored, seqs in state.values():
        assert count == stored and seqs == list(range(1, stored + 1))
    assert sum(stored for _, stored, _ in state.values()) == summary.tables["messages"]
    # The backup holds fewer messages than were written: it stopped at its snapshot.
    assert summary.tables["messages"] < len(customers) * 3 + 2 * written_during

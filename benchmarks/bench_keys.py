"""Key lifecycle benchmarks: field encryption cost vs raw AES-GCM, rewrap throughput for
100,000 customers on SQLite and PostgreSQL, and the time to shred a customer with 10 vs
10,000 messages.

    python benchmarks/bench_keys.py [--customers 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert, make_url

from confide.config import Settings
from confide.conversations.models import Conversation, Message
from confide.crypto import associated_data, decrypt_text, encrypt_text, generate_data_key
from confide.db import purge_old_page_versions, unit_of_work
from confide.keys import service
from confide.runtime import Runtime, build_runtime
from confide.subjects.service import create_subject, shred_subject
from confide.vault import FieldRef, Purpose
from confide.vault.models import DataKeyRecord

MESSAGE = "Hi, my parcel NW-10421 has not arrived yet and the tracking page has not moved. " * 2


def best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(repeat))


def bench_fields(runtime: Runtime, n: int = 20000) -> dict[str, float]:
    data_key = generate_data_key()
    raw_key = AESGCM(data_key.key.reveal())
    plaintext = MESSAGE.encode()
    aad = associated_data("messages", "text", str(uuid.uuid4()))

    def raw() -> float:
        start = time.perf_counter()
        for _ in range(n):
            nonce = os.urandom(12)
            raw_key.decrypt(nonce, raw_key.encrypt(nonce, plaintext, aad), aad)
        return (time.perf_counter() - start) / n

    def field() -> float:
        start = time.perf_counter()
        for _ in range(n):
            decrypt_text(data_key, encrypt_text(data_key, MESSAGE, aad=aad), aad=aad)
        return (time.perf_counter() - start) / n

    with unit_of_work(runtime.sessions) as session:
        subject = create_subject(session, runtime.vault)
        key_id = subject.data_key_id
        ref = FieldRef("messages", "text", str(uuid.uuid4()))

        def vault() -> float:
            start = time.perf_counter()
            for _ in range(n):
                blob = runtime.vault.seal(session, key_id, ref, MESSAGE)
                runtime.vault.open(session, key_id, ref, blob, Purpose.SERVICE)
            return (time.perf_counter() - start) / n

        raw_s, field_s, vault_s = best_of(raw), best_of(field), best_of(vault)
    return {
        "raw_aes_gcm_us": raw_s * 1e6,
        "encrypt_text_us": field_s * 1e6,
        "vault_seal_open_us": vault_s * 1e6,
        "field_ratio": field_s / raw_s,
        "vault_ratio": vault_s / raw_s,
    }


def bench_rewrap(runtime: Runtime, customers: int) -> dict[str, float]:
    keyring = runtime.keyring
    rows = []
    now = datetime.now(UTC)
    for _ in range(customers):
        data_key = generate_data_key()
        rows.append(
            {
                "id": data_key.id,
                "master_version": keyring.active.id,
                "wrapped": keyring.wrap_data_key(data_key),
                "created_at": now,
            }
        )
    for i in range(0, customers, 10000):
        with unit_of_work(runtime.sessions) as session:
            session.execute(insert(DataKeyRecord), rows[i : i + 10000])
    service.rotate_master_key(keyring)
    start = time.perf_counter()
    summary = service.rewrap_data_keys(runtime.sessions, keyring, batch_size=1000)
    seconds = time.perf_counter() - start
    assert summary.rewrapped == customers and summary.remaining == 0
    return {"keys": customers, "seconds": seconds, "keys_per_second": customers / seconds}


def bench_shred(runtime: Runtime, messages: int, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        with unit_of_work(runtime.sessions) as session:
            subject = create_subject(session, runtime.vault, email="ada@example.com")
            conversation = Conversation(
                id=uuid.uuid4(), subject_id=subject.id, token_hash=uuid.uuid4().hex
            )
            session.add(conversation)
            session.flush()
            rows = []
            for seq in range(1, messages + 1):
                message_id = uuid.uuid4()
                ref = FieldRef("messages", "text", str(message_id))
                rows.append(
                    {
                        "id": message_id,
                        "conversation_id": conversation.id,
                        "seq": seq,
                        "role": "customer",
                        "text_ct": runtime.vault.seal(session, subject.data_key_id, ref, MESSAGE),
                        "citations": [],
                        "created_at": datetime.now(UTC),
                    }
                )
            session.execute(insert(Message), rows)
            subject_id = subject.id
        # Settle SQLite's WAL first, so the timed commit does not pay for the setup's insert.
        purge_old_page_versions(runtime.engine)
        start = time.perf_counter()
        with unit_of_work(runtime.sessions) as session:
            shred_subject(session, runtime.vault, subject_id)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run_on(url: str | None, data_dir: Path, customers: int) -> dict[str, object]:
    settings = Settings(data_dir=data_dir, database_url=url)
    runtime = build_runtime(settings, create=True, with_assistant=False)
    try:
        results: dict[str, object] = {"database": runtime.engine.dialect.name}
        results["rewrap"] = bench_rewrap(runtime, customers)
        results["shred_10_ms"] = bench_shred(runtime, 10)
        results["shred_10000_ms"] = bench_shred(runtime, 10000)
        results["fields"] = bench_fields(runtime)
        return results
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "CONFIDE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(run_on(None, Path(tmp) / "sqlite", args.customers))
        admin_dsn = make_url(args.postgres).set(drivername="postgresql")
        name = f"confide_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(
            admin_dsn.render_as_string(hide_password=False), autocommit=True
        ) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                url = make_url(args.postgres).set(database=name)
                print(
                    run_on(
                        url.render_as_string(hide_password=False),
                        Path(tmp) / "pg",
                        args.customers,
                    )
                )
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""Whole-request latency and throughput through the HTTP API, on SQLite and PostgreSQL.

For each database: a fresh data directory with the demo store, `confide serve` in a child
process on a free loopback port, then 50 concurrent conversations x 10 messages
(confide.loadtest). Each reply is computed, stored encrypted and returned.

    python benchmarks/bench_server.py [--conversations 50] [--messages 10] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
import psycopg

from confide.loadtest import run_load

POSTGRES = os.environ.get("CONFIDE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not become ready")


def bench(database: str, conversations: int, messages: int, workers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CONFIDE_DATA_DIR": tmp}
        dbname = None
        if database == "postgresql":
            dbname = f"confide_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            env["CONFIDE_DATABASE_URL"] = POSTGRES.rsplit("/", 1)[0] + "/" + dbname
        try:
            subprocess.run(
                ["confide", "demo", "--no-serve", "--json"],
                env=env,
                check=True,
                capture_output=True,
            )
            port = free_port()
            server = subprocess.Popen(
                ["confide", "serve", "--port", str(port), "--workers", str(workers)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                wait_ready(url)
                asyncio.run(run_load(url, 5, 2))  # warm up
                result = asyncio.run(run_load(url, conversations, messages)).as_dict()
            finally:
                server.terminate()
                server.wait(timeout=30)
        finally:
            if dbname:
                with psycopg.connect(POSTGRES, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    return {"database": database, "workers": workers, **result}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    for database in args.databases.split(","):
        row = bench(database, args.conversations, args.messages, args.workers)
        sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

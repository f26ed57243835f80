"""Whole-request load test of a running Confide server: many concurrent conversations, each
sending a scripted series of customer messages; reports latency percentiles and throughput.

Only ever point it at a server on this machine (loopback): it is a load generator.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

SCRIPT = (
    "Hi there",
    "How long do refunds take?",
    "Where is my order?",
    "NW-10421",
    "What payment methods do you accept?",
    "Can I change my delivery address?",
    "How do I reset my password?",
    "Do you ship to Canada?",
    "What is your return policy?",
    "thanks!",
)


@dataclass(frozen=True)
class LoadResult:
    conversations: int
    messages: int
    errors: int
    seconds: float
    messages_per_second: float
    latency_p50_ms: float
    latency_p90_ms: float
    latency_p99_ms: float
    latency_max_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return ordered[index]


async def _conversation(
    client: httpx.AsyncClient, messages: int, latencies: list[float], errors: list[int]
) -> None:
    try:
        await _send_all(client, messages, latencies, errors)
    except httpx.HTTPError:
        errors.append(0)


async def _send_all(
    client: httpx.AsyncClient, messages: int, latencies: list[float], errors: list[int]
) -> None:
    started = await client.post("/v1/conversations", json={})
    if started.status_code != 201:
        errors.append(started.status_code)
        return
    body = started.json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    path = f"/v1/conversations/{body['conversation_id']}/messages"
    for i in range(messages):
        t0 = time.perf_counter()
        response = await client.post(path, json={"text": SCRIPT[i % len(SCRIPT)]}, headers=headers)
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            errors.append(response.status_code)


async def run_load(base_url: str, conversations: int = 50, messages: int = 10) -> LoadResult:
    """``conversations`` customers at once, ``messages`` each, against ``base_url``."""
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=conversations, max_keepalive_connections=conversations)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        t0 = time.perf_counter()
        await asyncio.gather(
            *(_conversation(client, messages, latencies, errors) for _ in range(conversations))
        )
        seconds = time.perf_counter() - t0
    return LoadResult(
        conversations=conversations,
        messages=len(latencies),
        errors=len(errors),
        seconds=round(seconds, 3),
        messages_per_second=round(len(latencies) / seconds, 1) if seconds else 0.0,
        latency_p50_ms=round(statistics.median(latencies), 2) if latencies else float("nan"),
        latency_p90_ms=round(_percentile(latencies, 0.90), 2),
        latency_p99_ms=round(_percentile(latencies, 0.99), 2),
        latency_max_ms=round(max(latencies), 2) if latencies else float("nan"),
    )

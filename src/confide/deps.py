"""FastAPI dependencies: the runtime built in the lifespan, and the customer's bearer token.

There is deliberately no session dependency: a generator dependency's clean-up needs a worker
thread of its own, and under load every thread can be waiting for the connection that clean-up
would release. Endpoints open ``runtime.work()`` in their body instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from confide.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
BearerToken = Annotated[str | None, Depends(bearer_token)]

"""FastAPI dependencies: the runtime built in the lifespan, a unit of work per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from confide.db import unit_of_work
from confide.runtime import Runtime
from confide.vault import Vault


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with unit_of_work(runtime.sessions) as session:
        yield session


def get_vault(runtime: RuntimeDep) -> Vault:
    return runtime.vault


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


SessionDep = Annotated[Session, Depends(get_session)]
VaultDep = Annotated[Vault, Depends(get_vault)]
BearerToken = Annotated[str | None, Depends(bearer_token)]

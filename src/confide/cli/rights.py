"""``confide subjects list|requests|request|extend|export|erase|rectify|restrict|object``:
data-subject rights for operators. The operator has checked the customer's identity out of
band, so no one-time code is asked here."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from confide.cli.common import (
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    open_runtime,
    print_json,
)
from confide.db import purge_old_page_versions
from confide.errors import Conflict
from confide.rights import queue, service
from confide.rights.errors import InvalidRightsInput
from confide.rights.schemas import ProcessingOut, RectificationIn
from confide.rights.service import RightsContext
from confide.staff.roles import Action

SubjectArg = Annotated[str, typer.Argument(help="The customer's id (subjects list, find).")]
Reason = Annotated[str, typer.Option("--reason", help="Why (no personal data).")]


class OutputExists(Conflict):
    pass


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidRightsInput(f"{what} is not a valid id") from None


def _print_rows(rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        console.print("none")
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


def register(subjects: typer.Typer) -> None:
    subjects.command("list")(list_)
    subjects.command()(requests)
    subjects.command()(request)
    subjects.command()(extend)
    subjects.command()(export)
    subjects.command()(erase)
    subjects.command()(rectify)
    subjects.command()(restrict)
    subjects.command("object")(object_)


def list_(
    with_identifiers: Annotated[
        bool,
        typer.Option("--with-identifiers", help="Also decrypt email, phone and name."),
    ] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Customers by pseudonymous id, status and request count; no personal data unless
    --with-identifiers."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.RIGHTS_QUEUE, with_assistant=False) as runtime,
        runtime.work() as session,
    ):
        found = service.list_subject_summaries(
            session, runtime.rights, with_identifiers=with_identifiers
        )
    data = [s.model_dump(mode="json", exclude_none=not with_identifiers) for s in found]
    columns = ["subject_id", "pseudonymous_id", "status", "created_at", "requests"]
    emit(as_json, data, lambda: _print_rows(data, columns))


def requests(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open requests past due.")
    ] = False,
    subject: Annotated[str | None, typer.Option("--subject", help="One customer's.")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """The rights request queue, by due date, with each request's history."""
    with command_errors(as_json):
        subject_id = _uuid(subject, "--subject") if subject else None
        with (
            open_runtime(data_dir, action=Action.RIGHTS_QUEUE, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            found = queue.list_requests(
                session, now=runtime.clock(), overdue=overdue, subject_id=subject_id
            )
    data = [r.model_dump(mode="json") for r in found]
    columns = ["request_id", "type", "status", "received_at", "due_at", "overdue"]
    emit(as_json, data, lambda: _print_rows(data, columns))


def request(
    subject_id: SubjectArg,
    type_: Annotated[
        str, typer.Option("--type", help="access, erasure, rectification, restriction, objection")
    ],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a request received by letter or email, due one month from now."""
    with command_errors(as_json):
        sid = _uuid(subject_id, "SUBJECT_ID")
        with (
            open_runtime(data_dir, action=Action.RIGHTS_QUEUE, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            request_id = service.file_request(session, runtime.rights, sid, type_)
            filed = queue.get_request_or_raise(session, request_id)
            data = queue.describe_request(session, filed, runtime.clock()).model_dump(mode="json")
    emit(as_json, data, lambda: console.print(f"Recorded request {request_id}."))


def extend(
    request_id: Annotated[str, typer.Argument(help="The request's id (subjects requests).")],
    reason: Reason,
    months: Annotated[int, typer.Option("--months", help="1 or 2 further months.")] = 2,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Extend a request's due date, once, by up to two months, for a recorded reason."""
    with command_errors(as_json):
        rid = _uuid(request_id, "REQUEST_ID")
        with (
            open_runtime(data_dir, action=Action.RIGHTS_QUEUE, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            now = runtime.clock()
            extended = queue.extend_request(session, rid, months=months, reason=reason, now=now)
            data = queue.describe_request(session, extended, now).model_dump(mode="json")
    emit(as_json, data, lambda: console.print(f"Now due {data['due_at']}."))


def export(
    subject_id: SubjectArg,
    out: Annotated[Path, typer.Option("--out", help="The ZIP file to write (not overwritten).")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Write everything held about the customer to a ZIP (data.json and index.html)."""
    with command_errors(as_json):
        sid = _uuid(subject_id, "SUBJECT_ID")
        if out.exists():
            raise OutputExists(f"{out} already exists; choose another file")
        with (
            open_runtime(data_dir, action=Action.RIGHTS_FULFIL, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            archive = service.export_subject(session, runtime.rights, sid, channel="cli")
            # Written before the commit: a failed write leaves no "completed" request behind.
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(archive)
    data = {"subject_id": str(sid), "file": str(out), "bytes": len(archive)}
    emit(as_json, data, lambda: console.print(f"Wrote {len(archive)} bytes to {out}."))


def erase(
    subject_id: SubjectArg,
    reason: Reason,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Erase the customer: data key shredded (backups too), rows deleted, tombstone kept;
    prints the signed erasure receipt."""
    with command_errors(as_json):
        sid = _uuid(subject_id, "SUBJECT_ID")
        with open_runtime(data_dir, action=Action.RIGHTS_FULFIL, with_assistant=False) as runtime:
            with runtime.work() as session:
                receipt = service.erase_subject(
                    session, runtime.rights, sid, reason=reason, channel="cli"
                )
            purge_old_page_versions(runtime.engine)
    data = receipt.model_dump()
    emit(
        as_json,
        data,
        lambda: console.print(f"Erased; receipt {data['receipt']['erasureReceiptID']}."),
    )


def rectify(
    subject_id: SubjectArg,
    email: Annotated[str | None, typer.Option(help='New email ("" removes it).')] = None,
    phone: Annotated[str | None, typer.Option(help='New phone ("" removes it).')] = None,
    name: Annotated[str | None, typer.Option(help='New name ("" removes it).')] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Correct the customer's email, phone or name (sealed again, re-indexed)."""
    with command_errors(as_json):
        sid = _uuid(subject_id, "SUBJECT_ID")
        given = {
            k: v for k, v in {"email": email, "phone": phone, "name": name}.items() if v is not None
        }
        try:
            changes = RectificationIn(**given)
        except ValidationError as exc:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()[:3])
            raise InvalidRightsInput(problems) from None
        with (
            open_runtime(data_dir, action=Action.RIGHTS_FULFIL, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            profile = service.rectify_subject(session, runtime.rights, sid, changes, channel="cli")
            data = profile.model_dump(mode="json", exclude={"identifiers"})
            data["rectified"] = sorted(given)
    emit(as_json, data, lambda: console.print(f"Rectified: {', '.join(sorted(given))}."))


def restrict(
    subject_id: SubjectArg,
    lift: Annotated[bool, typer.Option("--lift", help="Lift the restriction.")] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Restrict all processing of the customer's data but storage (or lift it)."""

    def change(session: Session, rights: RightsContext, sid: uuid.UUID) -> ProcessingOut:
        return service.restrict_subject(session, rights, sid, lift=lift, channel="cli")

    state = _change_flags(subject_id, change, data_dir, as_json)
    if not as_json:
        console.print(f"Restricted: {state.restricted}.")


def object_(
    subject_id: SubjectArg,
    purpose: Annotated[
        list[str] | None,
        typer.Option("--purpose", help="A purpose on legitimate interest (default: all)."),
    ] = None,
    lift: Annotated[bool, typer.Option("--lift", help="Withdraw the objection.")] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the customer's objection to legitimate-interest purposes (or withdraw it)."""

    def change(session: Session, rights: RightsContext, sid: uuid.UUID) -> ProcessingOut:
        return service.object_to_processing(
            session, rights, sid, purpose or None, lift=lift, channel="cli"
        )

    state = _change_flags(subject_id, change, data_dir, as_json)
    if not as_json:
        console.print(f"Objected to: {', '.join(state.objected) or 'none'}.")


def _change_flags(
    subject_id: str,
    change: Callable[[Session, RightsContext, uuid.UUID], ProcessingOut],
    data_dir: Path | None,
    as_json: bool,
) -> ProcessingOut:
    with command_errors(as_json):
        sid = _uuid(subject_id, "SUBJECT_ID")
        with (
            open_runtime(data_dir, action=Action.RIGHTS_FULFIL, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            state = change(session, runtime.rights, sid)
    if as_json:
        print_json({"subject_id": str(sid), **state.model_dump(mode="json")})
    return state

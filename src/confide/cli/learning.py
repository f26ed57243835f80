"""``confide learning``: retrain with a gate, list model versions, lineage, rollback."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer
from rich.table import Table

from confide.cli.common import (
    CLI_ACTOR,
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    open_runtime,
)
from confide.errors import BadRequest
from confide.learning.retrain import lineage as model_lineage
from confide.learning.retrain import list_models, retrain, rollback
from confide.staff.roles import Action

learning = typer.Typer(help="Learning from conversations: models, retraining.")

Tolerance = Annotated[
    float | None,
    typer.Option(
        help="How much held-out accuracy a candidate may lose and still be promoted "
        "(default CONFIDE_LEARNING_TOLERANCE, 0.01)."
    ),
]


@learning.command("retrain")
def retrain_(
    tolerance: Tolerance = None, data_dir: DataDir = None, as_json: JsonFlag = False
) -> None:
    """Train a candidate on the base and approved examples; promote it unless it regresses."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.CONFIG_MANAGE, with_assistant=False) as runtime,
    ):
        result = retrain(runtime, actor=CLI_ACTOR, tolerance=tolerance, reload=False)
    data = result.as_dict()
    emit(as_json, data, lambda: console.print(_verdict(data)))


def _verdict(data: dict[str, Any]) -> str:
    candidate, active = data["candidate"], data["active"]
    line = f"{candidate['id']} {candidate['status']}: accuracy {_acc(candidate)}"
    if active:
        line += f" (active {active['id']}: {_acc(active)})"
    return line + f", trained on {candidate['examples']} approved examples."


def _acc(version: dict[str, Any]) -> str:
    accuracy = version["metrics"].get("accuracy")
    return f"{accuracy:.4f}" if accuracy is not None else "-"


@learning.command()
def models(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Every model version: status, held-out metrics, times, examples and contributors."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.CONFIG_MANAGE, with_assistant=False) as runtime,
        runtime.work() as session,
    ):
        rows = list_models(session, runtime.settings)
    emit(as_json, rows, lambda: _print_models(rows))


def _print_models(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "status", "accuracy", "examples", "contributors", "created", "promoted")
    for row in rows:
        flags = " (tainted)" if row["tainted"] else ""
        table.add_row(
            row["id"],
            row["status"] + flags,
            _acc(row),
            str(row["examples"]),
            str(row["contributors"]),
            (row["created_at"] or "")[:19],
            (row["promoted_at"] or "")[:19],
        )
    console.print(table if rows else "no model versions: run `confide train`")


@learning.command()
def lineage(
    subject_id: Annotated[str, typer.Argument(help="The customer's id.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Which model versions, and whether the active one, hold this customer's data."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.RIGHTS_QUEUE, with_assistant=False) as runtime,
        runtime.work() as session,
    ):
        data = model_lineage(session, runtime.audit, _subject(subject_id))
    emit(as_json, data, lambda: console.print(_lineage_line(data)))


def _subject(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadRequest("SUBJECT_ID is not a valid id") from None


def _lineage_line(data: dict[str, Any]) -> str:
    holding = [v["id"] for v in data["versions"] if v["contains"]]
    active = "contains" if data["active_contains"] else "contains none of"
    return (
        f"The active model ({data['active'] or 'none'}) {active} this customer's data; "
        f"versions trained on it: {', '.join(holding) or 'none'}."
    )


@learning.command("rollback")
def rollback_(
    version: Annotated[
        str | None, typer.Argument(help="The version to make active (default: the previous).")
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Make an earlier version active again; refused for one trained on withdrawn data."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.CONFIG_MANAGE, with_assistant=False) as runtime,
    ):
        target = rollback(runtime, version, actor=CLI_ACTOR, reload=False)
    data = {"active": target.id, "metrics": target.metrics}
    emit(as_json, data, lambda: console.print(f"{target.id} is the active model again."))

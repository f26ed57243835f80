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
from confide.learning import proposals
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


review = typer.Typer(help="What the assistant proposes to learn: list, approve, reject.")
learning.add_typer(review, name="review")


@review.command("list")
def review_list(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Pending phrasings, knowledge gaps (clustered, with counts) and draft answers."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.LEARNING_REVIEW, with_assistant=False) as runtime,
        runtime.work() as session,
    ):
        data = proposals.list_proposals(session, runtime.learning).model_dump(mode="json")

    def human() -> None:
        for p in data["phrasings"]:
            console.print(f"phrasing {p['id']} → {p['intent']} ({p['signal']}): {p['text']}")
        for g in data["gaps"]:
            console.print(f"gap ({g['count']} questions): {g['examples'][0]}")
        for d in data["drafts"]:
            console.print(f"draft {d['id']}: {d['question']} → {d['answer']}")

    emit(as_json, data, human)


def _review(
    data_dir: DataDir, as_json: bool, example: str, approve: bool, intent: str | None
) -> None:
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.LEARNING_REVIEW, with_assistant=False) as runtime,
        runtime.work() as session,
    ):
        out = proposals.review(
            session,
            runtime.learning,
            _example_id(example),
            approve=approve,
            actor=CLI_ACTOR,
            intent=intent,
        )
    data = out.model_dump(mode="json")
    emit(as_json, data, lambda: console.print(f"{data['kind']} {data['id']}: {data['status']}"))


def _example_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadRequest("EXAMPLE_ID must be an example's id (a UUID)") from None


@review.command("approve")
def review_approve(
    example: Annotated[str, typer.Argument(metavar="EXAMPLE_ID")],
    intent: Annotated[str | None, typer.Option(help="Relabel the phrasing first.")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve one pending example (a phrasing then feeds the next retraining)."""
    _review(data_dir, as_json, example, True, intent)


@review.command("reject")
def review_reject(
    example: Annotated[str, typer.Argument(metavar="EXAMPLE_ID")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Reject one pending example."""
    _review(data_dir, as_json, example, False, None)

"""``confide compliance ropa``: the records of processing (GDPR Article 30)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from confide.cli.common import DataDir, JsonFlag, command_errors, console, emit, open_runtime
from confide.compliance.ropa import Controller, records_of_processing, to_markdown
from confide.consent import repository as consent_repository
from confide.db import unit_of_work
from confide.retention.periods import RetentionPeriods
from confide.staff.roles import Action

compliance = typer.Typer(help="Compliance documents generated from the configuration.")


@compliance.command()
def ropa(
    data_dir: DataDir = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the Markdown document here.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Records of processing activities (Article 30) as Markdown, or JSON with --json."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.AUDIT_REPORT, with_assistant=False) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        notice = consent_repository.active_notice(session)
        contact = {k: str(v) for k, v in (notice.controller if notice else {}).items()}
        name = contact.pop("name", runtime.company_name)
        records = records_of_processing(
            Controller(name, contact),
            runtime.settings.purposes,
            RetentionPeriods.from_settings(runtime.settings),
            generated_at=runtime.clock(),
            notice_version=notice.version if notice else None,
        )
    markdown = to_markdown(records)
    if out is not None:
        out.write_text(markdown, encoding="utf-8")
    emit(as_json, records, lambda: console.print(markdown, markup=False, highlight=False))

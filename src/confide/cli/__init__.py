"""The ``confide`` command line."""

from __future__ import annotations

import typer

from confide.cli import (
    audit,
    backup,
    bench,
    compliance,
    consent,
    conversation,
    knowledge,
    learning,
    models,
    pii,
    retention,
    server,
    subjects,
    users,
)
from confide.cli.keys import keys as keys_commands

app = typer.Typer(
    name="confide",
    help="Confide: a privacy-first AI customer-service assistant.",
    no_args_is_help=True,
    add_completion=False,
)
server.register(app)
conversation.register(app)
models.register(app)
app.add_typer(knowledge.kb, name="kb")
app.add_typer(bench.bench, name="bench")
app.add_typer(backup.backup, name="backup")
app.add_typer(keys_commands, name="keys")
app.add_typer(audit.audit, name="audit")
app.add_typer(compliance.compliance, name="compliance")
app.add_typer(subjects.subjects, name="subjects")
app.add_typer(pii.pii, name="pii")
app.add_typer(consent.notice, name="notice")
app.add_typer(consent.consent, name="consent")
app.add_typer(retention.retention, name="retention")
app.add_typer(users.users, name="users")
app.add_typer(learning.learning, name="learning")


def main() -> None:
    app()

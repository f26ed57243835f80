"""learning: consented, redacted training examples; the model registry

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learning_examples",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("contributor", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("signal", sa.String(length=24), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("text_ct", sa.LargeBinary(), nullable=False),
        sa.Column("answer_ct", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_learning_examples_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_examples")),
    )
    for column in ("subject_id", "contributor", "kind", "status"):
        op.create_index(
            op.f(f"ix_learning_examples_{column}"), "learning_examples", [column], unique=False
        )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("base_examples", sa.Integer(), nullable=False),
        sa.Column("example_ids", sa.JSON(), nullable=False),
        sa.Column("contributors", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
    )
    op.create_index(op.f("ix_model_versions_status"), "model_versions", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_model_versions_status"), table_name="model_versions")
    op.drop_table("model_versions")
    for column in ("status", "kind", "contributor", "subject_id"):
        op.drop_index(op.f(f"ix_learning_examples_{column}"), table_name="learning_examples")
    op.drop_table("learning_examples")

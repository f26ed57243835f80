"""subjects.verified_index: customers whose external_id the operator signed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("verified_index", sa.String(length=64), nullable=True))
        batch.create_index(op.f("ix_subjects_verified_index"), ["verified_index"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.drop_index(op.f("ix_subjects_verified_index"))
        batch.drop_column("verified_index")

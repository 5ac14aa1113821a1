"""factor database

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 13:02:10.732180
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "factor",
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=120), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("synonyms", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("dimension", sa.String(length=80), nullable=False),
        sa.Column("composition", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("co2e", sa.Float(), nullable=False),
        sa.Column("fossil_co2e", sa.Float(), nullable=False),
        sa.Column("biogenic_co2e", sa.Float(), nullable=False),
        sa.Column("dluc_co2e", sa.Float(), nullable=False),
        sa.Column("boundary", sa.String(length=30), nullable=False),
        sa.Column("geography", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("technology", sa.String(length=200), nullable=False),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("source_table", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("license", sa.String(length=200), nullable=False),
        sa.Column("reliability", sa.SmallInteger(), nullable=True),
        sa.Column("completeness", sa.SmallInteger(), nullable=True),
        sa.Column("temporal", sa.SmallInteger(), nullable=True),
        sa.Column("geographical", sa.SmallInteger(), nullable=True),
        sa.Column("technological", sa.SmallInteger(), nullable=True),
        sa.Column("quality_rating", sa.Float(), nullable=True),
        sa.Column("uncertainty", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("contributor", sa.String(length=120), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("import_mode", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor")),
        sa.UniqueConstraint("slug", "version", name=op.f("uq_factor_slug_version")),
    )
    with op.batch_alter_table("factor", schema=None) as batch_op:
        batch_op.create_index(
            "ix_factor_flow_geo_year", ["flow", "geography", "year"], unique=False
        )
        batch_op.create_index(
            "ix_factor_search",
            [
                "slug",
                sa.literal_column("version DESC"),
                "status",
                "category",
                "geography",
                "dimension",
                "year",
                "search_text",
            ],
            unique=False,
        )

    op.create_table(
        "factor_release",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("factor_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_release")),
        sa.UniqueConstraint("name", name=op.f("uq_factor_release_name")),
    )
    op.create_table(
        "factor_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("factor_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["factor_id"],
            ["factor.id"],
            name=op.f("fk_factor_event_factor_id_factor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_event")),
    )
    with op.batch_alter_table("factor_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_event_factor_id"), ["factor_id"], unique=False)

    op.create_table(
        "factor_release_entry",
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("factor_id", sa.Uuid(), nullable=False),
        sa.Column("flow", sa.String(length=120), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("geography", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["factor_id"],
            ["factor.id"],
            name=op.f("fk_factor_release_entry_factor_id_factor"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["factor_release.id"],
            name=op.f("fk_factor_release_entry_release_id_factor_release"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("release_id", "slug", name=op.f("pk_factor_release_entry")),
    )
    with op.batch_alter_table("factor_release_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_factor_release_entry_factor_id"), ["factor_id"], unique=False
        )
        batch_op.create_index(
            "ix_factor_release_entry_flow", ["release_id", "flow", "geography"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("factor_release_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_factor_release_entry_flow")
        batch_op.drop_index(batch_op.f("ix_factor_release_entry_factor_id"))

    op.drop_table("factor_release_entry")
    with op.batch_alter_table("factor_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_factor_event_factor_id"))

    op.drop_table("factor_event")
    op.drop_table("factor_release")
    with op.batch_alter_table("factor", schema=None) as batch_op:
        batch_op.drop_index("ix_factor_search")
        batch_op.drop_index("ix_factor_flow_geo_year")

    op.drop_table("factor")

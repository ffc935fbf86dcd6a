"""evidence vault items, preservation holds, reviewer exposure

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import childsafe.store.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evidence_item',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('pdq', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('store', sa.String(length=10), nullable=False),
    sa.Column('object_key', sa.String(length=100), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('viewed_by_person', sa.Boolean(), nullable=False),
    sa.Column('exif_viewed', sa.Boolean(), nullable=False),
    sa.Column('purged_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('object_deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases_case.id'], name=op.f('fk_evidence_item_case_id_cases_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_item'))
    )
    with op.batch_alter_table('evidence_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_item_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_item_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_item_sha256'), ['sha256'], unique=False)

    op.create_table('evidence_hold',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('jurisdiction', sa.String(length=10), nullable=False),
    sa.Column('started_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('placed_by', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('extensions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('released_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.String(length=200), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases_case.id'], name=op.f('fk_evidence_hold_case_id_cases_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_hold'))
    )
    with op.batch_alter_table('evidence_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_hold_case_id'), ['case_id'], unique=False)

    op.create_table('evidence_exposure',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('actor_id', sa.String(length=200), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_exposure'))
    )
    with op.batch_alter_table('evidence_exposure', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_exposure_actor_day', ['actor_id', 'day'], unique=False)


def downgrade() -> None:
    op.drop_table('evidence_exposure')
    op.drop_table('evidence_hold')
    op.drop_table('evidence_item')

"""NCMEC CyberTipline reports and submission steps

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import childsafe.store.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, childsafe.store.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('cybertip_report',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('incident_type', sa.String(length=80), nullable=False),
    sa.Column('content_id', sa.Uuid(), nullable=False),  # the sealed evidence item holding the report's content
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('missing', _json(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    _when('created_at', nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    _when('approved_at'),
    sa.Column('submitted_by', sa.String(length=200), nullable=True),
    sa.Column('environment', sa.String(length=12), nullable=True),
    sa.Column('xml_sha256', sa.String(length=64), nullable=True),
    sa.Column('ncmec_report_id', sa.String(length=40), nullable=True),
    _when('opened_at'),
    _when('finished_at'),
    _when('retracted_at'),
    _when('lease_until'),
    sa.Column('lease_token', sa.String(length=32), nullable=True),  # the worker holding the lease
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    _when('updated_at', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cybertip_report'))
    )
    with op.batch_alter_table('cybertip_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cybertip_report_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cybertip_report_status'), ['status'], unique=False)
    op.create_table('cybertip_file',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ncmec_file_id', sa.String(length=80), nullable=True),
    _when('uploaded_at'),
    _when('details_sent_at'),
    sa.ForeignKeyConstraint(['report_id'], ['cybertip_report.id'],
                            name=op.f('fk_cybertip_file_report_id_cybertip_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cybertip_file')),
    sa.UniqueConstraint('report_id', 'position', name=op.f('uq_cybertip_file_report_id'))
    )
    with op.batch_alter_table('cybertip_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cybertip_file_report_id'), ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_table('cybertip_file')
    op.drop_table('cybertip_report')

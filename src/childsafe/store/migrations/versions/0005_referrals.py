"""hotline and law-enforcement referrals, law-enforcement requests, DSA statements of reasons

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import childsafe.store.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Time columns the transparency reports and the console's daily figures filter on: a period's rows are
# found by range instead of by a scan of the whole table. (Named as the models' index=True would name them.)
REPORT_INDEXES = (
    ("decisions_decision", "decided_at"),
    ("reports_report", "received_at"),
    ("appeals_appeal", "submitted_at"),
    ("appeals_appeal", "decided_at"),
    ("cases_case", "created_at"),
    ("cases_case", "first_action_at"),
)


def upgrade() -> None:
    op.create_table('referrals_export',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('legal_basis', sa.String(length=500), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('package_sha256', sa.String(length=64), nullable=False),
    sa.Column('package_size', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals_export'))
    )
    op.create_index(op.f('ix_referrals_export_case_id'), 'referrals_export', ['case_id'], unique=False)
    op.create_index(op.f('ix_referrals_export_request_id'), 'referrals_export', ['request_id'], unique=False)
    op.create_table('referrals_le_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('received_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('authority_reference', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('legal_basis', sa.String(length=500), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('requested', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('approved_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disclosed', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('disclosed_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals_le_request'))
    )
    op.create_index(op.f('ix_referrals_le_request_case_id'), 'referrals_le_request', ['case_id'], unique=False)
    op.create_index(op.f('ix_referrals_le_request_status'), 'referrals_le_request', ['status'], unique=False)
    op.create_table('transparency_statement',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('decided_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('puid', sa.String(length=500), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('environment', sa.String(length=12), nullable=False),
    sa.Column('queued_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('submitted_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tdb_uuid', sa.String(length=64), nullable=True),
    sa.Column('tdb_id', sa.String(length=40), nullable=True),
    sa.Column('permalink', sa.String(length=1000), nullable=True),
    sa.Column('reconciled', sa.Boolean(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_statement')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_transparency_statement_decision_id')),
    sa.UniqueConstraint('puid', name=op.f('uq_transparency_statement_puid'))
    )
    op.create_index(op.f('ix_transparency_statement_decided_at'), 'transparency_statement', ['decided_at'], unique=False)
    op.create_index(op.f('ix_transparency_statement_status'), 'transparency_statement', ['status'], unique=False)
    for table, column in REPORT_INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, column in REPORT_INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index(op.f('ix_transparency_statement_status'), table_name='transparency_statement')
    op.drop_index(op.f('ix_transparency_statement_decided_at'), table_name='transparency_statement')
    op.drop_table('transparency_statement')
    op.drop_index(op.f('ix_referrals_le_request_status'), table_name='referrals_le_request')
    op.drop_index(op.f('ix_referrals_le_request_case_id'), table_name='referrals_le_request')
    op.drop_table('referrals_le_request')
    op.drop_index(op.f('ix_referrals_export_request_id'), table_name='referrals_export')
    op.drop_index(op.f('ix_referrals_export_case_id'), table_name='referrals_export')
    op.drop_table('referrals_export')

"""spine: reports, cases, decisions, appeals, audit, keys, outbox

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-28 17:51:37.718792
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import childsafe.store.base

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('access_api_key',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_access_api_key_prefix'))
    )
    op.create_table('appeals_appeal',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('child_safety', sa.Boolean(), nullable=False),
    sa.Column('appellant_role', sa.String(length=20), nullable=False),
    sa.Column('appellant_key', sa.String(length=220), nullable=False),
    sa.Column('appellant_age_band', sa.String(length=10), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('submitted_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('outcome_notice', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals_appeal'))
    )
    with op.batch_alter_table('appeals_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_appeal_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_appeal_status'), ['status'], unique=False)

    op.create_table('audit_entry',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('actor_role', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entry_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_object_id'), ['object_id'], unique=False)

    op.create_table('cases_case',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_platform_id', sa.String(length=200), nullable=False),
    sa.Column('subject_account_id', sa.String(length=200), nullable=True),
    sa.Column('subject_url', sa.String(length=2000), nullable=True),
    sa.Column('subject_content_type', sa.String(length=20), nullable=True),
    sa.Column('subject_created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('subject_age_band', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('queue', sa.String(length=30), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('sla_due_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('child_safety', sa.Boolean(), nullable=False),
    sa.Column('imminent_risk', sa.Boolean(), nullable=False),
    sa.Column('has_reports', sa.Boolean(), nullable=False),
    sa.Column('has_trusted_flagger', sa.Boolean(), nullable=False),
    sa.Column('has_illegal_content_notice', sa.Boolean(), nullable=False),
    sa.Column('has_automated_signal', sa.Boolean(), nullable=False),
    sa.Column('signal_count', sa.Integer(), nullable=False),
    sa.Column('assignee', sa.String(length=200), nullable=True),
    sa.Column('lock_expires_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_action_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases_case'))
    )
    with op.batch_alter_table('cases_case', schema=None) as batch_op:
        batch_op.create_index('ix_cases_case_queue_order', ['status', 'queue', 'priority', 'sla_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_case_subject_account_id'), ['subject_account_id'], unique=False)
        batch_op.create_index('uq_cases_case_open_subject', ['subject_key'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('decisions_decision',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('ground', sa.String(length=20), nullable=False),
    sa.Column('policy_ground', sa.String(length=500), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('territorial_scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_by_role', sa.String(length=40), nullable=False),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('decided_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('affected_account_id', sa.String(length=200), nullable=True),
    sa.Column('affected_age_band', sa.String(length=10), nullable=False),
    sa.Column('statement', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('notice', sa.Text(), nullable=True),
    sa.Column('notice_child', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reverted_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reverted_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions_decision'))
    )
    with op.batch_alter_table('decisions_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_decision_affected_account_id'), ['affected_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_decision_case_id'), ['case_id'], unique=False)

    op.create_table('decisions_strike',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.String(length=200), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('issued_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions_strike'))
    )
    with op.batch_alter_table('decisions_strike', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_strike_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_strike_decision_id'), ['decision_id'], unique=False)

    op.create_table('jobs_outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('available_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('relayed_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_jobs_outbox_dedupe_key'))
    )
    with op.batch_alter_table('jobs_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_outbox_status'), ['status'], unique=False)

    op.create_table('reports_report',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('idempotency_owner', sa.String(length=200), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('reporter_user_id', sa.String(length=200), nullable=True),
    sa.Column('reporter_name', sa.String(length=200), nullable=True),
    sa.Column('reporter_email', sa.String(length=254), nullable=True),
    sa.Column('reporter_age_band', sa.String(length=10), nullable=False),
    sa.Column('reporter_role', sa.String(length=20), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_platform_id', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('messages', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('reason_code', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('imminent_risk', sa.Boolean(), nullable=False),
    sa.Column('free_text', sa.Text(), nullable=True),
    sa.Column('notice', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('wants_updates', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('outcome_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports_report')),
    sa.UniqueConstraint('idempotency_owner', 'idempotency_key', name='uq_reports_idempotency'),
    sa.UniqueConstraint('reference', name=op.f('uq_reports_report_reference'))
    )
    with op.batch_alter_table('reports_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_report_case_id'), ['case_id'], unique=False)

    op.create_table('cases_comment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases_case.id'], name=op.f('fk_cases_comment_case_id_cases_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases_comment'))
    )
    with op.batch_alter_table('cases_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_comment_case_id'), ['case_id'], unique=False)

    op.create_table('cases_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases_case.id'], name=op.f('fk_cases_event_case_id_cases_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases_event'))
    )
    with op.batch_alter_table('cases_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_event_case_id'), ['case_id'], unique=False)

    op.create_table('cases_signal',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref_id', sa.String(length=80), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases_case.id'], name=op.f('fk_cases_signal_case_id_cases_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases_signal'))
    )
    with op.batch_alter_table('cases_signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_signal_case_id'), ['case_id'], unique=False)



    _audit_append_only()


# The audit log is append-only at the database level too: UPDATE and DELETE are refused, so a
# tamperer needs DDL rights (and the hash chain still shows what they did).
_PG_AUDIT = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry
  FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""


def _audit_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_AUDIT)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                       "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    with op.batch_alter_table('cases_signal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_signal_case_id'))

    op.drop_table('cases_signal')
    with op.batch_alter_table('cases_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_event_case_id'))

    op.drop_table('cases_event')
    with op.batch_alter_table('cases_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_comment_case_id'))

    op.drop_table('cases_comment')
    with op.batch_alter_table('reports_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_report_case_id'))

    op.drop_table('reports_report')
    with op.batch_alter_table('jobs_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_outbox_status'))

    op.drop_table('jobs_outbox')
    with op.batch_alter_table('decisions_strike', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_strike_decision_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_strike_account_id'))

    op.drop_table('decisions_strike')
    with op.batch_alter_table('decisions_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_decision_case_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_decision_affected_account_id'))

    op.drop_table('decisions_decision')
    with op.batch_alter_table('cases_case', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_case_open_subject', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_cases_case_subject_account_id'))
        batch_op.drop_index('ix_cases_case_queue_order')

    op.drop_table('cases_case')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_object_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('appeals_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_appeal_status'))
        batch_op.drop_index(batch_op.f('ix_appeals_appeal_decision_id'))

    op.drop_table('appeals_appeal')
    op.drop_table('access_api_key')

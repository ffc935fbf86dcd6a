"""console user accounts and sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import childsafe.store.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('console_user',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('disabled_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sign_in_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_user')),
    sa.UniqueConstraint('username', name=op.f('uq_console_user_username'))
    )
    op.create_table('console_login_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_login_attempt'))
    )
    with op.batch_alter_table('console_login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_console_login_attempt_username_at', ['username', 'at'], unique=False)

    op.create_table('console_session',
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['console_user.id'], name=op.f('fk_console_session_user_id_console_user')),
    sa.PrimaryKeyConstraint('token_sha256', name=op.f('pk_console_session'))
    )
    with op.batch_alter_table('console_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_session_user_id'))
    op.drop_table('console_session')
    with op.batch_alter_table('console_login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_console_login_attempt_username_at')
    op.drop_table('console_login_attempt')
    op.drop_table('console_user')

"""hash banks, seen media and scan hits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 13:23:25.537754
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import childsafe.store.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('banks_bank',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_refresh_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banks_bank')),
    sa.UniqueConstraint('name', name=op.f('uq_banks_bank_name'))
    )
    op.create_table('banks_removal',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hash_id', sa.BigInteger(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('removed_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_banks_removal'))
    )
    op.create_table('scan_hit',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('content_id', sa.String(length=200), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('bank_hash_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('distance', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('retroactive', sa.Boolean(), nullable=False),
    sa.Column('detected_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_hit'))
    )
    with op.batch_alter_table('scan_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_hit_case_id'), ['case_id'], unique=False)
        batch_op.create_index('uq_scan_hit_pair', ['content_id', 'bank_hash_id'], unique=True)

    op.create_table('scan_media',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('content_id', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.String(length=200), nullable=True),
    sa.Column('age_band', sa.String(length=10), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=True),
    sa.Column('frame_time', sa.Float(), nullable=True),
    sa.Column('first_seen_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_media'))
    )
    with op.batch_alter_table('scan_media', schema=None) as batch_op:
        batch_op.create_index('ix_scan_media_lookup', ['algorithm', 'value'], unique=False)
        batch_op.create_index('uq_scan_media_hash', ['content_id', 'algorithm', 'value'], unique=True)

    op.create_table('banks_hash',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=True),
    sa.Column('frame_time', sa.Float(), nullable=True),
    sa.Column('import_id', sa.Uuid(), nullable=True),
    sa.Column('added_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks_bank.id'], name=op.f('fk_banks_hash_bank_id_banks_bank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banks_hash'))
    )
    with op.batch_alter_table('banks_hash', schema=None) as batch_op:
        batch_op.create_index('uq_banks_hash_entry', ['algorithm', 'value', 'bank_id', 'item_id'], unique=True)
        batch_op.create_index('ix_banks_hash_item', ['bank_id', 'item_id'], unique=False,
                              sqlite_where=sa.text("item_id != ''"), postgresql_where=sa.text("item_id != ''"))

    op.create_table('banks_import',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lines_done', sa.BigInteger(), nullable=False),
    sa.Column('byte_offset', sa.BigInteger(), nullable=False),
    sa.Column('added', sa.BigInteger(), nullable=False),
    sa.Column('duplicates', sa.BigInteger(), nullable=False),
    sa.Column('malformed', sa.BigInteger(), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('started_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', childsafe.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks_bank.id'], name=op.f('fk_banks_import_bank_id_banks_bank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banks_import'))
    )
    with op.batch_alter_table('banks_import', schema=None) as batch_op:
        batch_op.create_index('ix_banks_import_resume', ['bank_id', 'file_sha256', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('banks_import', schema=None) as batch_op:
        batch_op.drop_index('ix_banks_import_resume')

    op.drop_table('banks_import')
    with op.batch_alter_table('banks_hash', schema=None) as batch_op:
        batch_op.drop_index('ix_banks_hash_item')
        batch_op.drop_index('uq_banks_hash_entry')

    op.drop_table('banks_hash')
    with op.batch_alter_table('scan_media', schema=None) as batch_op:
        batch_op.drop_index('uq_scan_media_hash')
        batch_op.drop_index('ix_scan_media_lookup')

    op.drop_table('scan_media')
    with op.batch_alter_table('scan_hit', schema=None) as batch_op:
        batch_op.drop_index('uq_scan_hit_pair')
        batch_op.drop_index(batch_op.f('ix_scan_hit_case_id'))

    op.drop_table('scan_hit')
    op.drop_table('banks_removal')
    op.drop_table('banks_bank')

"""Baseline: the read model as it stood before migrations (databases made then are stamped with it).

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 15:02:01.449764
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.models.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('catalog_change_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('proposed_primary_unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('proposed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_at', core.models.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key')
    )
    with op.batch_alter_table('catalog_change_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_change_proposals_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('catalog_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('evaluation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period_start', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('period_end', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('frozen_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('definitions_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=True),
    sa.Column('totals', sa.JSON(), nullable=True),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'scope', name='uq_evaluation_period_scope')
    )
    with op.batch_alter_table('evaluation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_runs_period'), ['period'], unique=False)

    op.create_table('intakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('created_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('started', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('intakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intakes_started'), ['started'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('read', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_unit_id'), ['unit_id'], unique=False)

    op.create_table('routing_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('routing_examples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_examples_item_code'), ['item_code'], unique=False)

    op.create_table('ticket_counters',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('tickets',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('category_hint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('complainant_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('complainant_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('whistle_unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('item_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('catalog_version', sa.Integer(), nullable=True),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dispatch_owner_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('primary_unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('cooperating_unit_ids', sa.JSON(), nullable=True),
    sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('received_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('dispatched_at', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('accept_deadline', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('closure_deadline', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('next_checkpoint_at', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('colour', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('pending_request', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('submitted_at', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', core.models.types.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rating_source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('calendar_fallback', sa.Boolean(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('public_summary', sa.Text(), nullable=True),
    sa.Column('state', sa.JSON(), nullable=True),
    sa.Column('updated_at', core.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_closure_deadline'), ['closure_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_dispatch_owner_id'), ['dispatch_owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_escalated'), ['escalated'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_overdue'), ['overdue'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_primary_unit_id'), ['primary_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_stage'), ['stage'], unique=False)
        batch_op.create_index('ix_tickets_stage_deadline', ['stage', 'closure_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_street_id'), ['street_id'], unique=False)
        batch_op.create_index('ix_tickets_unit_stage', ['primary_unit_id', 'stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_whistle_unit_id'), ['whistle_unit_id'], unique=False)

    op.create_table('units',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('catalog_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('version_from', sa.Integer(), nullable=False),
    sa.Column('version_to', sa.Integer(), nullable=True),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=True),
    sa.Column('examples', sa.JSON(), nullable=True),
    sa.Column('primary_unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cooperating_unit_ids', sa.JSON(), nullable=True),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('acceptance_limit', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('closure_limit', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('checkpoint_plan', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('process', sa.Text(), nullable=True),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['primary_unit_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['version_from'], ['catalog_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('catalog_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_items_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_items_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_items_primary_unit_id'), ['primary_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_items_version_from'), ['version_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_items_version_to'), ['version_to'], unique=False)

    op.create_table('community_access_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version_from', sa.Integer(), nullable=False),
    sa.Column('version_to', sa.Integer(), nullable=True),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['version_from'], ['catalog_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('community_access_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_access_items_code'), ['code'], unique=False)

    op.create_table('evaluation_unit_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dispatched', sa.Integer(), nullable=False),
    sa.Column('accepted_on_time', sa.Integer(), nullable=False),
    sa.Column('response_failures', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('closed_on_time', sa.Integer(), nullable=False),
    sa.Column('bounce_requests', sa.Integer(), nullable=False),
    sa.Column('bounces_denied', sa.Integer(), nullable=False),
    sa.Column('bounces_approved', sa.Integer(), nullable=False),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('extension_requests', sa.Integer(), nullable=False),
    sa.Column('extensions_approved', sa.Integer(), nullable=False),
    sa.Column('extensions_denied', sa.Integer(), nullable=False),
    sa.Column('street_scores', sa.Integer(), nullable=False),
    sa.Column('street_score_total', sa.Integer(), nullable=False),
    sa.Column('sample', sa.Integer(), nullable=False),
    sa.Column('response_rate', sa.Float(), nullable=True),
    sa.Column('resolution_rate', sa.Float(), nullable=True),
    sa.Column('satisfaction_rate', sa.Float(), nullable=True),
    sa.Column('on_time_rate', sa.Float(), nullable=True),
    sa.Column('street_score', sa.Float(), nullable=True),
    sa.Column('platform_score', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=True),
    sa.Column('first_receiver_cases', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['evaluation_runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'unit_id', name='uq_evaluation_run_unit')
    )
    with op.batch_alter_table('evaluation_unit_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_unit_results_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_unit_results_unit_id'), ['unit_id'], unique=False)

    op.create_table('street_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version_from', sa.Integer(), nullable=False),
    sa.Column('version_to', sa.Integer(), nullable=True),
    sa.Column('primary_unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cooperating_unit_ids', sa.JSON(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['primary_unit_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['street_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['version_from'], ['catalog_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('street_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_overrides_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_street_overrides_street_id'), ['street_id'], unique=False)

    op.create_table('taken_back_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version_from', sa.Integer(), nullable=False),
    sa.Column('version_to', sa.Integer(), nullable=True),
    sa.Column('taken_by_unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['taken_by_unit_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['version_from'], ['catalog_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('taken_back_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_taken_back_items_item_code'), ['item_code'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('stage_before', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('stage_after', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'seq', name='uq_ticket_event_seq')
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_events_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_events_unit_action', ['unit_id', 'action'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_username'), ['username'], unique=True)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.types.UTCDateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_tokens_token_hash'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_username'))
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))
        batch_op.drop_index(batch_op.f('ix_users_role'))

    op.drop_table('users')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))
        batch_op.drop_index('ix_events_unit_action')
        batch_op.drop_index('ix_events_action_at')

    op.drop_table('ticket_events')
    with op.batch_alter_table('taken_back_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_taken_back_items_item_code'))

    op.drop_table('taken_back_items')
    with op.batch_alter_table('street_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_street_overrides_street_id'))
        batch_op.drop_index(batch_op.f('ix_street_overrides_item_code'))

    op.drop_table('street_overrides')
    with op.batch_alter_table('evaluation_unit_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_unit_results_unit_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_unit_results_run_id'))

    op.drop_table('evaluation_unit_results')
    with op.batch_alter_table('community_access_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_access_items_code'))

    op.drop_table('community_access_items')
    with op.batch_alter_table('catalog_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_items_version_to'))
        batch_op.drop_index(batch_op.f('ix_catalog_items_version_from'))
        batch_op.drop_index(batch_op.f('ix_catalog_items_primary_unit_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_items_code'))
        batch_op.drop_index(batch_op.f('ix_catalog_items_category'))

    op.drop_table('catalog_items')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))
        batch_op.drop_index(batch_op.f('ix_units_kind'))

    op.drop_table('units')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_whistle_unit_id'))
        batch_op.drop_index('ix_tickets_unit_stage')
        batch_op.drop_index(batch_op.f('ix_tickets_street_id'))
        batch_op.drop_index('ix_tickets_stage_deadline')
        batch_op.drop_index(batch_op.f('ix_tickets_stage'))
        batch_op.drop_index(batch_op.f('ix_tickets_received_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_primary_unit_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_overdue'))
        batch_op.drop_index(batch_op.f('ix_tickets_item_code'))
        batch_op.drop_index(batch_op.f('ix_tickets_escalated'))
        batch_op.drop_index(batch_op.f('ix_tickets_district_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_dispatch_owner_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_closure_deadline'))
        batch_op.drop_index(batch_op.f('ix_tickets_closed_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_channel'))

    op.drop_table('tickets')
    op.drop_table('ticket_counters')
    with op.batch_alter_table('routing_examples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_examples_item_code'))

    op.drop_table('routing_examples')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_unit_id'))
        batch_op.drop_index(batch_op.f('ix_notices_ticket_id'))

    op.drop_table('notices')
    with op.batch_alter_table('intakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intakes_started'))

    op.drop_table('intakes')
    with op.batch_alter_table('evaluation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_runs_period'))

    op.drop_table('evaluation_runs')
    op.drop_table('catalog_versions')
    with op.batch_alter_table('catalog_change_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_change_proposals_ticket_id'))

    op.drop_table('catalog_change_proposals')
    op.drop_table('calendar_days')

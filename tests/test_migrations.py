"""The migrations build exactly the schema the models describe, on both databases.

A model change without a migration (or a migration that drifts from its model) fails here instead of in a
production upgrade."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from childsafe.models import metadata
from childsafe.store import Database
from childsafe.store.migrate import head_revision


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, metadata) == []

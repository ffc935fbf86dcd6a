"""Storage layer: one database, tables owned by one capability each, Alembic migrations.

Capabilities import ``Base`` and the column types from here and own their models; none of them
reads another capability's tables.
"""

from childsafe.store.base import GUID, Base, JSONDict, SerialId, UTCDateTime, new_id, utcnow
from childsafe.store.db import Database, beside_database, is_postgres

__all__ = ["GUID", "Base", "Database", "JSONDict", "SerialId", "UTCDateTime", "beside_database", "is_postgres",
           "new_id", "utcnow"]

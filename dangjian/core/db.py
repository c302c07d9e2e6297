"""Database housekeeping that the ORM does not do by itself."""
from django.db import connection


def refresh_planner_statistics() -> None:
    """Let the query planner see the data as it now is (ANALYZE; on PostgreSQL VACUUM ANALYZE).

    Without statistics SQLite guesses join order: on a million people the scoped, filtered people
    list walked every full member and took 0.7 s; after ANALYZE it starts from the subtree's
    path range and takes 0.05 s. Called after bulk loads (demo, DJX and roster imports) and by the
    nightly job. `analysis_limit` keeps SQLite's ANALYZE to a sample: about 40 ms at a million people
    (a limit of 1,000 was too coarse to fix that plan)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=10000")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            # VACUUM also marks the freshly written pages all-visible, so the planner can answer from
            # an index alone (index-only scans: REL-01 reads the attendance indexes, not 50 million
            # rows) without waiting for autovacuum. It cannot run inside a transaction.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")

"""The rollups' rebuild runs as a background job (Huey) after a full engine run commits: at province scale it takes
about two minutes, which a request that triggers a full run (a changed 规则参数, a large DJX import) must not wait
for. With Huey in immediate mode (tests, `make run`'s DEBUG) it runs at once.

Requests coalesce instead of being dropped: each request notes itself (`REQUESTED`, the as-of date) and tries the
lock; the job holding it rebuilds again as long as a request came in since it started its last rebuild, so a
full run that commits during a rebuild is in the next one (never two rebuilds at once, never a lost request)."""
import datetime as dt

from huey.contrib.djhuey import HUEY, db_task
from huey.exceptions import TaskLockedException

REQUESTED = "dashboards-rollups-requested"
LOCK = HUEY.lock_task("dashboards-rollups-rebuild")      # (flushed when a consumer starts, like lock_task's)


@db_task()
def rebuild_rollups(as_of: str):
    HUEY.put(REQUESTED, as_of)
    return drain()


def drain() -> int:
    """Rebuild while there are requests; returns how many rebuilds this call did (0: another job holds the
    lock and will see the request)."""
    from . import rollups

    done = 0
    while True:
        try:
            LOCK.acquire()
        except TaskLockedException:
            return done
        try:
            while (as_of := HUEY.get(REQUESTED)) is not None:     # (get takes the request off)
                rollups.rebuild(dt.date.fromisoformat(as_of))
                done += 1
        finally:
            LOCK.release()
        # A request that came after the last look but failed to get the lock before the release: go again.
        if not HUEY.storage.has_data_for_key(REQUESTED):
            return done

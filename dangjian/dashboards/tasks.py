"""The rollups' rebuild runs as a background job (Huey) after a full engine run commits: at province scale it takes
about two minutes, which a request that triggers a full run (a changed 规则参数, a large DJX import) must not wait
for. With Huey in immediate mode (tests, `make run`'s DEBUG) it runs at once."""
import datetime as dt

from huey.contrib.djhuey import db_task, lock_task


@db_task()
@lock_task("dashboards-rollups-rebuild")
def rebuild_rollups(as_of: str):
    from .rollups import rebuild

    return rebuild(dt.date.fromisoformat(as_of))

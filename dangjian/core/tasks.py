"""Background jobs (Huey; `dangjian run_huey` runs the worker).

Actions re-judge what they touched as soon as they commit (`engine.schedule`). Dates, however, move
on when no record changes: a term reaches its reminder date, a quarter ends. The nightly run judges
the whole database as of the new day so those findings appear (and others clear) by morning."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import engine
from .db import refresh_planner_statistics


@db_periodic_task(crontab(hour="1", minute="30"))
@lock_task("nightly-evaluation")
def nightly_evaluation():
    from dangjian.notify.actions import create_reminders

    refresh_planner_statistics()
    result = engine.run()
    # Reminders for what the night's run opened go out now, not up to an hour later.
    create_reminders()
    return str(result)

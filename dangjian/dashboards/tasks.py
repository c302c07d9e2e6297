"""The rollups' rebuild runs as a background job (Huey) after a full engine run commits: at province scale it takes
about two minutes, which a request that triggers a full run (a changed 规则参数, a large DJX import) must not wait
for. With Huey in immediate mode (tests, `make run`'s DEBUG) it runs at once.

Requests coalesce: the caller notes its request (`REQUESTED`, the latest as-of date asked for) in its on_commit
callback and then enqueues the job; the job only drains — rebuilds while a request is noted — and returns None
(Huey keeps no result). A job that finds no request (another drained it) does nothing, so with one worker any
number of requests made during a rebuild cost one more rebuild, and with several workers the lock keeps one
rebuild at a time. `dangjian rollups --rebuild` and the demo loader go through the same note-and-drain
(`rebuild_now`)."""
import datetime as dt
import functools

from django.db import transaction
from huey.contrib.djhuey import HUEY, db_task
from huey.exceptions import TaskLockedException

REQUESTED = "dashboards-rollups-requested"
LOCK = HUEY.lock_task("dashboards-rollups-rebuild")      # (flushed when a consumer starts, like lock_task's)


def note(as_of: dt.date) -> None:
    """Note a rebuild request (the later date when one is already noted)."""
    prev = HUEY.get(REQUESTED, peek=True)
    HUEY.put(REQUESTED, max(prev or "", as_of.isoformat()))


def ask(as_of: dt.date) -> None:
    """Note a request and enqueue the job (what a committed full run does)."""
    note(as_of)
    rebuild_rollups()


def request_rebuild(as_of: dt.date) -> None:
    """A rebuild once the current transaction commits (at once outside one). `robust`: an unreachable queue is
    logged and never undoes the committed run; the next full run asks again."""
    transaction.on_commit(functools.partial(ask, as_of), robust=True)


def request_pending() -> None:
    """Apply the orgs a refresh noted because the rollups were locked, once its transaction commits."""
    transaction.on_commit(apply_pending_rollups, robust=True)


@db_task()
def rebuild_rollups() -> None:
    drain()


@db_task()
def apply_pending_rollups() -> None:
    from . import rollups

    rollups.apply_pending()


def rebuild_now(as_of: dt.date | None = None) -> list[dict]:
    """Rebuild here and now, through the same lock as the job (the command, the demo loader). Returns the
    rebuilds done (empty: the job holds the lock and will do the request noted here)."""
    from django.utils import timezone

    note(as_of or timezone.localdate())
    return drain()


def drain() -> list[dict]:
    """Rebuild while there are requests; returns what each rebuild this call did reported (empty: another job
    holds the lock and will see the request, or there was none). A rebuild never moves the rollups to an
    earlier date than they are already as of (a back-dated full run)."""
    from . import rollups
    from .models import RollupState

    done = []
    while True:
        try:
            LOCK.acquire()
        except TaskLockedException:
            return done
        try:
            while (as_of := HUEY.get(REQUESTED)) is not None:     # (get takes the request off)
                as_of = dt.date.fromisoformat(as_of)
                current = RollupState.objects.filter(pk=1).values_list("as_of", flat=True).first()
                done.append(rollups.rebuild(max(as_of, current) if current else as_of))
        finally:
            LOCK.release()
        # A request that came after the last look but failed to get the lock before the release: go again.
        if not HUEY.storage.has_data_for_key(REQUESTED):
            return done

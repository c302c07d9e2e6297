"""The rollups' rebuild runs as a background job (Huey) after a full engine run commits: at province scale it takes
about two minutes, which a request that triggers a full run (a changed 规则参数, a large DJX import) must not wait
for. With Huey in immediate mode (tests, `make run`'s DEBUG) it runs at once.

Requests coalesce: the caller notes its request (`REQUESTED`, the latest as-of date asked for) in its on_commit
callback and then enqueues the job; the job only drains — rebuilds while a request is noted — and returns None
(Huey keeps no result). A job that finds no request (another drained it) does nothing, so with one worker any
number of requests made during a rebuild cost one more rebuild, and with several workers the lock keeps one
rebuild at a time. `dangjian rollups --rebuild` and the demo loader go through the same note-and-drain
(`rebuild_now`).

A worker killed during a rebuild (deploy restart, OOM killer) must not lose the request: the drain notes the date
it is rebuilding (`INFLIGHT`) before taking it off `REQUESTED`, a starting worker asks for the job again
(`resume_after_restart`), and the next drain to get the lease puts a dead job's date back. The lock is the core
tasks' `Lease` (owner-tagged, with a heartbeat): a restarting consumer's flush_locks does not free it."""
import datetime as dt
import functools

from django.db import transaction
from huey.contrib.djhuey import HUEY, db_task
from huey.exceptions import TaskLockedException

from dangjian.core.tasks import Lease, _pending_mutex

REQUESTED = "dashboards-rollups-requested"
INFLIGHT = "dashboards-rollups-inflight"                  # the date the running rebuild is for
LOCK = Lease("dashboards-rollups-rebuild")


def note(as_of: dt.date) -> None:
    """Note a rebuild request (the later date when one is already noted). Under the core tasks' mutex (held for
    µs): two processes noting at once must not lose the later date, nor a note race the drain's taking."""
    with _pending_mutex():
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


@HUEY.on_startup("dashboards-rollups-resume")     # (named: Huey keys startup hooks by name)
def resume_after_restart() -> None:
    """A worker killed inside the rebuild lost the job's message, not its date (INFLIGHT): ask for the job again."""
    if HUEY.storage.has_data_for_key(INFLIGHT) or HUEY.storage.has_data_for_key(REQUESTED):
        rebuild_rollups()


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
            with LOCK.heartbeat():
                # Holding the lease, no live rebuild runs: a date still in flight is a dead job's. Ask again.
                # Noted again before it leaves INFLIGHT: a kill in between loses nothing.
                if (stale := HUEY.get(INFLIGHT, peek=True)) is not None:
                    note(dt.date.fromisoformat(stale))
                    HUEY.get(INFLIGHT)
                while (as_of := HUEY.get(REQUESTED, peek=True)) is not None:
                    with _pending_mutex():          # (against note()'s read-modify-write)
                        HUEY.put(INFLIGHT, as_of)   # (in flight before it leaves REQUESTED: a kill loses nothing)
                        taken = HUEY.get(REQUESTED)     # (a later request noted in between is this round's)
                    as_of = dt.date.fromisoformat(max(as_of, taken or ""))
                    HUEY.put(INFLIGHT, as_of.isoformat())
                    current = RollupState.objects.filter(pk=1).values_list("as_of", flat=True).first()
                    try:
                        done.append(rollups.rebuild(max(as_of, current) if current else as_of))
                    except Exception:   # (failed, not killed: logged by Huey; the next full run asks again)
                        HUEY.get(INFLIGHT)
                        raise
                    HUEY.get(INFLIGHT)
        finally:
            LOCK.release()
        # A request that came after the last look but failed to get the lease before the release: go again.
        if not HUEY.storage.has_data_for_key(REQUESTED):
            return done

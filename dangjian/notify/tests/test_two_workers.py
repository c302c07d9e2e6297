"""一次提醒只发一次: two workers in two threads, each with its own database connection, read the same
unsent reminders at the same moment and then race to claim them. Each is e-mailed exactly once."""
import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from dangjian.core import engine
from dangjian.notify import actions
from dangjian.notify.models import Notification


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(users, monkeypatch):
    from dangjian.accounts.models import User

    engine.run(as_of=dt.date(2026, 11, 20), rule_ids=["JG-03", "ORGLIFE-05", "TERM-02"])
    actions.create_reminders()
    User.objects.filter(pk__in=[users.secretary_a.pk, users.secretary_b.pk]).update(email="s@example.gov.cn")
    expected = set(Notification.objects.exclude(recipient__email="").values_list("pk", flat=True))
    assert expected

    both_looked = threading.Barrier(2, timeout=10)
    # The test database is SQLite in shared-cache memory, which answers concurrent writes with
    # "table is locked" instead of waiting: after both have looked, the writes take turns (the
    # loser still acts on its stale list, which is the race that matters).
    one_at_a_time = threading.Lock()
    held = threading.local()
    candidates = actions._candidates

    def look_then_wait(*args):
        ids = candidates(*args)
        if not getattr(held, "lock", False):
            both_looked.wait()   # both workers now hold the same list of "unsent" rows
            one_at_a_time.acquire()
            held.lock = True
        return ids

    monkeypatch.setattr(actions, "_candidates", look_then_wait)
    results, errors = {}, []

    def worker(name):
        try:
            results[name] = actions.send_pending(name)
        except Exception as e:  # noqa: BLE001 — reported by the assertion below
            errors.append(e)
        finally:
            connection.close()
            if getattr(held, "lock", False):
                one_at_a_time.release()

    threads = [threading.Thread(target=worker, args=(f"worker-{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert sorted(results.values()) == [0, len(expected)]   # one worker won every row
    mailed = [line for m in mail.outbox for line in m.body.splitlines() if ". 【" in line]
    assert len(mailed) == len(expected)
    assert set(Notification.objects.filter(emailed_at__isnull=False).values_list("pk", flat=True)) == expected

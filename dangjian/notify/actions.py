"""Reminders (提醒): who is told about which finding, and the e-mail step that sends each once.

Who is told (减负: the people who can act, not everyone up the tree):
* an open WARN/BLOCK finding, or an INFO finding that counts down to a deadline ("距季度末还有 12 天"),
  goes to the admins nearest to the finding's org: the `org_admin`s of the org itself, else of its
  parent, and so on up — only the nearest level that has any. `work_committee_admin` counts as an
  admin for the work committee and the orgs directly under it (their superior is the 工委);
* a finding about a person also goes to that person, if they have an active account.

Each (recipient, finding, kind) exists at most once (a unique constraint), so re-running the task is
harmless and a finding that reopens does not remind again. A finding that escalates from INFO
("即将到期") to WARN ("逾期") is a new kind and reminds once more.

E-mail: a worker claims unsent rows with one conditional UPDATE (only rows still unclaimed, or whose
claim went stale because that worker died), reads back what it got, sends one digest per recipient
and stamps `emailed_at`. Two workers running at once therefore never mail the same reminder twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from dangjian.core.errors import ActionError
from dangjian.core.permissions import ORG_ADMIN, WORK_COMMITTEE_ADMIN

from .models import Kind, Notification

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send; another worker may take it over.
CLAIM_TIMEOUT = dt.timedelta(minutes=30)
# INFO findings that count down to a deadline; other INFO findings (e.g. "可设立党总支") are advice,
# not reminders.
DUE_SOON_RE = re.compile(r"还有\s*\d+\s*天|今日届满")
CHUNK = 2000


def open_finding_q() -> Q:
    from dangjian.core.models import FindingState

    return Q(finding__isnull=True) | Q(finding__state=FindingState.OPEN)


def kind_for(severity: str, message: str) -> str | None:
    if severity in ("WARN", "BLOCK"):
        return Kind.FINDING_OPENED
    if severity == "INFO" and DUE_SOON_RE.search(message or ""):
        return Kind.DUE_SOON
    return None


class _Admins:
    """The admins nearest to each org, from one query over the active role assignments."""

    def __init__(self):
        from dangjian.accounts.models import RoleAssignment
        from dangjian.orgs.models import Org

        self.steplen = Org.steplen
        self.by_path: dict[str, list[tuple[int, str]]] = defaultdict(list)
        rows = (RoleAssignment.objects.active()
                .filter(role__in=(ORG_ADMIN, WORK_COMMITTEE_ADMIN), user__is_active=True)
                .values_list("user_id", "role", "org__path"))
        for user_id, role, path in rows:
            self.by_path[path].append((user_id, role))
        self._cache: dict[str, tuple[int, ...]] = {}

    def nearest(self, path: str) -> tuple[int, ...]:
        if path not in self._cache:
            depth = len(path) // self.steplen
            found: tuple[int, ...] = ()
            for level in range(depth, 0, -1):
                found = tuple(sorted({u for u, role in self.by_path.get(path[:level * self.steplen], ())
                                      if role == ORG_ADMIN or depth <= 2}))
                if found:
                    break
            self._cache[path] = found
        return self._cache[path]


def _finding_url(rule_id: str, org_id: int) -> str:
    query = urlencode({"filtered": 1, "state": "open", "rule_id": rule_id, "within": org_id})
    return f"{reverse('core:finding_list')}?{query}"


def _texts(f: dict, kind: str) -> tuple[str, str]:
    """The title says what is wrong where (a branch has a dozen ORGLIFE-03 months: the rule ID
    alone would not tell them apart); the body adds the article it rests on."""
    label = {"BLOCK": "严重", "WARN": "预警", "INFO": "提示"}.get(f["severity"], f["severity"])
    prefix = "即将到期" if kind == Kind.DUE_SOON else label
    title = f"【{prefix}】{f['org__name']}：{f['message']}"
    body = f"依据：{f['citation']}（规则 {f['rule_id']}）\n所属组织：{f['org__name']}"
    if len(title) > 120:   # the full text then goes to the body
        title = title[:119] + "…"
        body = f"{f['message']}\n{body}"
    if f["person__name"] and f["person__name"] not in f["message"]:
        body += f"\n涉及人员：{f['person__name']}"
    return title, body


def create_reminders() -> int:
    """Create the missing notifications for every open finding. Returns how many were written
    (a row another worker wrote meanwhile is skipped by the database and still counted here)."""
    from dangjian.accounts.models import User
    from dangjian.core.models import Finding, FindingState

    admins = _Admins()
    created = 0
    last_id = 0
    fields = ("id", "rule_id", "severity", "message", "citation", "period", "org_id", "org__path",
              "org__name", "person_id", "person__name")
    while True:
        rows = list(Finding.objects.filter(state=FindingState.OPEN, id__gt=last_id)
                    .order_by("id").values(*fields)[:CHUNK])
        if not rows:
            break
        last_id = rows[-1]["id"]
        rows = [(f, k) for f in rows if (k := kind_for(f["severity"], f["message"]))]
        person_ids = {f["person_id"] for f, _ in rows if f["person_id"]}
        accounts = dict(User.objects.filter(person_id__in=person_ids, is_active=True)
                        .values_list("person_id", "id")) if person_ids else {}
        existing = set(Notification.objects.filter(finding_id__in=[f["id"] for f, _ in rows])
                       .values_list("recipient_id", "finding_id", "kind"))
        new = []
        for f, kind in rows:
            recipients = set(admins.nearest(f["org__path"]))
            if f["person_id"] in accounts:
                recipients.add(accounts[f["person_id"]])
            title = body = None
            for user_id in sorted(recipients):
                if (user_id, f["id"], kind) in existing:
                    continue
                if title is None:
                    title, body = _texts(f, kind)
                new.append(Notification(recipient_id=user_id, finding_id=f["id"], kind=kind, title=title,
                                        body=body, url=_finding_url(f["rule_id"], f["org_id"])))
        # ignore_conflicts: a second worker may have created some of these since we looked.
        Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        created += len(new)
    return created


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:40]


def _candidates(unclaimed: Q, limit: int) -> list[int]:
    """What looks unsent right now. Only a guess: another worker may take these rows before our
    UPDATE does, which is why the UPDATE repeats the conditions."""
    return list(Notification.objects.filter(open_finding_q(), unclaimed, emailed_at__isnull=True,
                                            recipient__is_active=True)
                .exclude(recipient__email="").order_by("id").values_list("id", flat=True)[:limit])


def claim(worker: str, limit: int = 500, now: dt.datetime | None = None) -> list[Notification]:
    """Take up to `limit` unsent notifications for this worker. The conditional UPDATE is the
    lock: a row another worker claimed first no longer matches `claimed_at IS NULL`."""
    now = now or timezone.now()
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    ids = _candidates(unclaimed, limit)
    if not ids:
        return []
    token = f"{worker[:40]}/{uuid.uuid4().hex[:16]}"
    Notification.objects.filter(unclaimed, pk__in=ids, emailed_at__isnull=True).update(
        claimed_by=token, claimed_at=now)
    return list(Notification.objects.filter(claimed_by=token, emailed_at__isnull=True)
                .select_related("recipient").order_by("id"))


def send(claimed: list[Notification]) -> int:
    """One digest e-mail per recipient; stamps `emailed_at`. A failed send releases the claim so the
    next run retries. Returns the number of notifications e-mailed."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in claimed:
        by_user[n.recipient_id].append(n)
    site = getattr(settings, "DANGJIAN_SITE_URL", "").rstrip("/")
    sent = 0
    for items in by_user.values():
        user = items[0].recipient
        tokens = {n.claimed_by for n in items}
        # Still ours? A worker that stalled past CLAIM_TIMEOUT may have lost its rows to another.
        ids = set(Notification.objects.filter(pk__in=[n.pk for n in items], claimed_by__in=tokens,
                                              emailed_at__isnull=True).values_list("pk", flat=True))
        items = [n for n in items if n.pk in ids]
        if not items:
            continue
        subject = items[0].title if len(items) == 1 else f"机关党建提醒：{len(items)} 项需要处理"
        parts = [f"{user}，您好：\n\n以下事项需要您关注（数据改正后预警自动消除）：\n"]
        for i, n in enumerate(items, 1):
            parts.append(f"{i}. {n.title}\n{n.body}\n{site}{n.url}\n")
        parts.append(f"全部提醒：{site}{reverse('notify:list')}\n（本邮件由系统自动发送，每项提醒只发送一次。）")
        try:
            send_mail(subject, "\n".join(parts), None, [user.email], fail_silently=False)
        except Exception:  # noqa: BLE001 — any backend failure: keep the reminders for the next run
            log.exception("提醒邮件发送失败（%s），下次重试", user.email)
            Notification.objects.filter(pk__in=ids, claimed_by__in=tokens).update(claimed_by="", claimed_at=None)
            continue
        Notification.objects.filter(pk__in=ids, claimed_by__in=tokens).update(emailed_at=timezone.now())
        sent += len(items)
    return sent


def send_pending(worker: str | None = None, batch: int = 500) -> int:
    worker = worker or worker_name()
    total = 0
    while claimed := claim(worker, limit=batch):
        sent = send(claimed)
        total += sent
        # A batch that sent nothing failed as a whole (mail server down): retry next hour, not now.
        if len(claimed) < batch or not sent:
            break
    return total


def do_mark_read(user, notification_id, *, acting_user=None) -> Notification:
    """Mark one of the user's own notifications read. Personal UI state, not a domain change: no
    audit event and no re-evaluation. Someone else's id is "not found", never "forbidden"."""
    try:
        n = Notification.objects.get(pk=int(notification_id), recipient=user)
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise ActionError("未找到这条提醒，可能已被删除。请刷新页面后重试。", field="id") from None
    if n.read_at is None:
        n.read_at = timezone.now()
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=n.read_at)
    return n


def do_mark_all_read(user, *, acting_user=None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user) -> int:
    """The navbar badge: unread reminders whose finding still needs attention (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(open_finding_q(), recipient=user, read_at__isnull=True).count()

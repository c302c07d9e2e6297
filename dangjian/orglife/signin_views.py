"""Optional QR sign-in (扫码签到). Never required (不强制打卡): the secretary may show a code on the
meeting's day; members who scan it with their phone are marked present with the time; attendance
is still recorded by hand by the branch for everyone else.

The code carries a signed token (`django.core.signing`, own salt) with the meeting's id and date;
it is valid until the end of that day (Asia/Shanghai). Opening it needs a login; someone not
expected at the meeting gets 404, as for anything out of scope."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.core.views import get_restricted
from dangjian.people.models import Person

from . import actions
from .choices import AttendanceStatus
from .models import Attendance, Meeting

NAV = "orglife"
SIGN_IN_SALT = "dangjian.orglife.meeting-sign-in"
VOLUNTARY = "扫码签到为自愿方式，未扫码的由支部在会议记录中登记出席。"


class BadSignInToken(Exception):
    """The code cannot be used; `message` says why, in words for the member."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the token ------------------------------------------------------------------------------------
def make_token(meeting: Meeting) -> str:
    return signing.dumps({"m": meeting.pk, "d": meeting.date.isoformat()}, salt=SIGN_IN_SALT)


def read_token(token: str, *, today: dt.date | None = None) -> tuple[int, dt.date]:
    """(meeting id, meeting date) from a token; `BadSignInToken` when tampered, malformed or past
    the end of the meeting's day."""
    try:
        data = signing.loads(token, salt=SIGN_IN_SALT)
        meeting_id, day = int(data["m"]), dt.date.fromisoformat(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadSignInToken("签到二维码无效：链接不完整或已被改动。请重新扫描会场展示的二维码。")
    if day < (today or timezone.localdate()):
        raise BadSignInToken(f"签到二维码已过期：它只在会议当天（{day:%Y-%m-%d}）有效。"
                             "未扫码的由支部在会议记录中登记出席。")
    return meeting_id, day


def sign_in_url(request, meeting: Meeting) -> str:
    return request.build_absolute_uri(reverse("orglife:sign_in", kwargs={"token": make_token(meeting)}))


def qr_svg(data: str) -> str:
    import segno

    # Scales with its box (viewBox, no fixed size); a quiet zone of 4 modules as the standard asks.
    return segno.make(data, error="m").svg_inline(scale=8, omitsize=True, light="#fff", svgclass="signin-qr",
                                                  title="扫码签到二维码")


# --- who may sign in to which meeting ------------------------------------------------------------
def meeting_for_sign_in(user, meeting_id: int) -> tuple[Meeting, Person]:
    """The meeting and the signing person, or 404. In scope are the meetings the user may see
    (`restrict()`), and — for a 领导班子民主生活会, whose members belong to other branches — the
    meetings they are expected at; either way the person must be expected at it."""
    person = Person.objects.filter(pk=getattr(user, "person_id", None)).select_related("org").first()
    if person is None:
        raise Http404("您的账户未关联党员信息，无法扫码签到。")
    # Not `restrict()`: whoever is expected at the meeting may sign in (a 民主生活会's members belong
    # to other branches), and nobody else learns it exists (404).
    m = Meeting.objects.select_related("org").filter(pk=meeting_id).first()
    if m is None or not actions.is_expected_at(m, person):
        raise Http404("未找到，或您不在本次会议的应到人员名单中。")
    return m, person


def _bad_token(request, message: str):
    return render(request, "orglife/sign_in_member.html", {"error": message, "voluntary": VOLUNTARY}, status=400)


# --- the member's phone -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def sign_in(request, token):
    """Scanned on the phone: a confirmation page with one button; after it, "已签到 HH:MM"."""
    try:
        meeting_id, day = read_token(token)
    except BadSignInToken as e:
        return _bad_token(request, e.message)
    m, person = meeting_for_sign_in(request.user, meeting_id)
    if m.date != day:
        return _bad_token(request, "会议日期已经修改，这个二维码不再有效。请扫描会场重新展示的二维码。")
    error = ""
    if request.method == "POST":
        try:
            actions.do_sign_in(m, person, acting_user=request.user)
        except ActionError as e:
            error = e.message
        else:
            return redirect(request.path)
    row = Attendance.objects.filter(meeting=m, person=person, signed_in_at__isnull=False).first()
    if not error and row is None:
        today = timezone.localdate()
        if m.state not in actions.SIGN_IN_STATES:
            error = "该会议已取消，无需签到。"
        elif today != m.date:
            error = f"扫码签到只在会议当天（{m.date:%Y-%m-%d}）开放，现在尚未开始。"
    return render(request, "orglife/sign_in_member.html", {
        "m": m, "person": person, "row": row, "error": error, "voluntary": VOLUNTARY,
        "voting": actions.can_vote_on(person, m.date),
    }, status=400 if error and request.method == "POST" else 200)


# --- the secretary's screen ----------------------------------------------------------------------
def _signed_in(m):
    return list(Attendance.objects.filter(meeting=m, signed_in_at__isnull=False)
                .select_related("person").order_by("signed_in_at", "person__name"))


@login_required
@require_GET
def meeting_sign_in_qr(request, pk):
    """The code to show in the meeting room (anyone who may edit the meeting), with who has signed in."""
    from .views import _ancestors

    m = get_restricted(request, Meeting.objects.select_related("org"), CHANGE, pk=pk)
    if m.state not in actions.SIGN_IN_STATES:
        messages.error(request, "该会议已取消，不需要扫码签到。")
        return redirect("orglife:meeting_detail", pk=m.pk)
    url = sign_in_url(request, m)
    today = timezone.localdate()
    return render(request, "orglife/sign_in_qr.html", {
        "m": m, "org": m.org, "ancestors": _ancestors(m.org, request.user), "nav_active": NAV,
        "qr": mark_safe(qr_svg(url)), "url": url, "voluntary": VOLUNTARY, "signed": _signed_in(m),
        "on_the_day": today == m.date, "not_yet": today < m.date,
    })


@login_required
@require_GET
def meeting_sign_in_list(request, pk):
    """The live list under the code (htmx polls it every few seconds)."""
    m = get_restricted(request, Meeting.objects.select_related("org"), CHANGE, pk=pk)
    return render(request, "orglife/_sign_in_list.html", {"m": m, "signed": _signed_in(m),
                                                          "present_status": AttendanceStatus.PRESENT})

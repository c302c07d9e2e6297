"""负载测试的用户行为 (locust): 支部书记、党员、工委/机关党委管理员 in a realistic mix.

Run by bench/load.py (which prepares the accounts and the server); by hand:

    LOAD_USERS=/tmp/…/users.json .venv/bin/locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 \
        --headless -u 20 -r 5 -t 60s

Each simulated user logs in once through the real login form (CSRF token from the page, PBKDF2 password check),
then loops over its tasks with 1–5 s of think time. Weights: 30% branch secretaries, 60% members, 10% admins.
A request counts as an error when it answers ≥ 400, when a login or a meeting form does not redirect where a
browser would land (a rejected form re-renders with 200: caught here), or on a connection error.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forms import post_form  # noqa: E402

ACCOUNTS = json.loads(Path(os.environ["LOAD_USERS"]).read_text()) if os.environ.get("LOAD_USERS") else {
    "secretary": [], "member": [], "committee": []}
_NEXT = {kind: itertools.cycle(rows) for kind, rows in ACCOUNTS.items() if rows}
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CHARTS = ("summary", "heatmap", "trend", "rules", "balance", "recruitment", "dues", "rectification", "calendar")


@events.spawning_complete.add_listener
def _warm_up_then_measure(user_count, **kwargs):
    """With LOAD_MEASURE=N: once every spawned user has logged in, and LOAD_WARMUP more seconds have passed, the
    statistics are reset and N seconds are measured, then the run stops. What happened before — the login
    storm, and any failure — is written to LOAD_RAMP_STATS first, so that nothing is lost."""
    measure = float(os.environ.get("LOAD_MEASURE") or 0)
    if not measure:
        return
    import gevent

    def run():
        deadline = time.monotonic() + 600  # bounded: a login storm that never ends still stops the run
        while _LOGGED_IN[0] < user_count and time.monotonic() < deadline:
            gevent.sleep(0.5)
        logins_done = time.monotonic()
        gevent.sleep(float(os.environ.get("LOAD_WARMUP") or 0))
        env = _ENV[0]
        stats = env.stats
        ramp = {"login_storm_seconds": round(logins_done - _SPAWN_DONE[0], 1), "total": _summary(stats.total),
                "entries": {e.name: _summary(e) for e in stats.entries.values()},
                "errors": [{"name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                           for e in stats.errors.values()]}
        if os.environ.get("LOAD_RAMP_STATS"):
            Path(os.environ["LOAD_RAMP_STATS"]).write_text(json.dumps(ramp, ensure_ascii=False))
        stats.reset_all()
        gevent.sleep(measure)
        env.runner.quit()

    _SPAWN_DONE[0] = time.monotonic()
    gevent.spawn(run)


_LOGGED_IN = [0]
_SPAWN_DONE = [0.0]
_ENV: list = []


@events.init.add_listener
def _keep_env(environment, **kwargs):
    _ENV.append(environment)


def _summary(entry) -> dict:
    return {"requests": entry.num_requests, "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5), "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99)}


class _Persona(FastHttpUser):
    abstract = True
    wait_time = between(1, 5)
    kind = ""

    def on_start(self):
        self.account = next(_NEXT[self.kind])
        self.org = self.account["org"]
        self.person = self.account["person"]
        try:
            page = self.client.get("/login/", name="登录页")
            token = _TOKEN.search(page.text or "")
            body = urlencode({"username": self.account["username"], "password": self.account["password"],
                              "csrfmiddlewaretoken": token.group(1) if token else "", "next": ""})
            with self.client.post("/login/", data=body, headers=FORM, name="登录 POST", allow_redirects=False,
                                  catch_response=True) as r:
                location = (r.headers or {}).get("Location") or ""
                if r.status_code != 302 or "/login/" in location:
                    r.failure(f"登录失败：{r.status_code} {location}")
        finally:
            _LOGGED_IN[0] += 1  # done, failed or not: the warm-up waits for every user's attempt

    def page(self, url: str, name: str):
        """GET a page; landing on the login form (a lost session: the redirect itself answers 200) is an error."""
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code == 200 and 'name="password"' in (r.text or "") and "/login" not in url:
                r.failure("被重定向到登录页")
        return r


class BranchSecretary(_Persona):
    """支部书记: the branch's pages, 预警, and now and then records a meeting through the real form."""
    weight = 3
    kind = "secretary"

    @task(3)
    def home(self):
        self.page("/", "首页")

    @task(3)
    def branch(self):
        self.page(f"/orgs/{self.org}/", "书记：支部页")

    @task(3)
    def meetings(self):
        self.page(f"/orglife/meetings/?org={self.org}", "书记：会议列表")

    @task(2)
    def people(self):
        self.page(f"/people/?org={self.org}", "书记：人员列表")

    @task(2)
    def findings(self):
        self.page(f"/findings/?org={self.org}", "书记：预警")

    @task(1)
    def ledger(self):
        self.page(f"/orglife/ledger/?org={self.org}", "书记：组织生活台账")

    @task(1)
    def dues(self):
        self.page(f"/dues/?org={self.org}", "书记：党费收缴")

    @task(1)
    def record_meeting(self):
        """登记一次主题党日: GET the form, mark ~90% present, POST it; a saved meeting redirects to its page."""
        form_page = self.client.get(f"/orglife/meetings/new/?org={self.org}", name="书记：登记会议表单")
        form = post_form(form_page.text or "", has_field="topic")
        if form is None:
            return
        fields = []
        for name, value in form["fields"]:
            if name.startswith("att_"):
                value = "present" if random.random() < 0.9 else "absent"
            elif name.startswith("reason_") and value == "":
                value = "出差"
            elif name == "topic":
                value = f"学习贯彻党的创新理论（负载测试 {random.randint(1, 10**9)}）"
            elif name == "place":
                value = "党员活动室"
            fields.append((name, value))
        with self.client.post(form["action"] or f"/orglife/meetings/new/?org={self.org}", data=urlencode(fields),
                              headers=FORM, name="书记：登记会议 POST", allow_redirects=False,
                              catch_response=True) as r:
            if r.status_code != 302 or not re.search(r"/orglife/meetings/\d+/", r.headers.get("Location") or ""):
                r.failure(f"会议未保存：{r.status_code}")


class Member(_Persona):
    """党员: 我的 pages — dues, study, tasks, exams, notifications."""
    weight = 6
    kind = "member"

    @task(3)
    def home(self):
        self.page("/", "首页")

    @task(2)
    def my_dues(self):
        self.page("/dues/mine/", "党员：我的党费")

    @task(2)
    def study_center(self):
        self.page("/study/center/", "党员：学习中心")

    @task(1)
    def my_study(self):
        self.page(f"/study/people/{self.person}/", "党员：我的学习记录")

    @task(1)
    def my_tasks(self):
        self.page("/duty/mine/", "党员：我的任务")

    @task(1)
    def exams(self):
        self.page("/exams/", "党员：我的考试")

    @task(1)
    def notifications(self):
        self.page("/notifications/", "党员：提醒")


class CommitteeAdmin(_Persona):
    """工委 / 机关党委: the dashboard with its chart endpoints, statistics, assessment, dues report, findings."""
    weight = 1
    kind = "committee"

    @task(3)
    def dashboard(self):
        self.page(f"/dashboards/{self.org}/", "工委：看板页")
        for chart in CHARTS:  # what the page's script fetches
            self.page(f"/api/dashboards/{self.org}/{chart}/", f"工委：图表 {chart}")

    @task(1)
    def partystats(self):
        self.page(f"/partystats/?org={self.org}", "工委：党内统计")

    @task(1)
    def assessment(self):
        self.page("/assessment/dashboard/", "工委：考核看板")

    @task(1)
    def dues_report(self):
        self.page(f"/dues/report/?org={self.org}", "工委：党费报表")

    @task(2)
    def findings(self):
        self.page("/findings/", "工委：预警")

    @task(1)
    def orgs(self):
        self.page("/orgs/", "工委：组织树")

"""数据看板 benchmark: rebuild the rollups of a loaded benchmark database, then time the root org's dashboard
(every chart endpoint and the page) cold — the first requests after the rebuild, on a new database
connection — and warm (median of N rounds), plus the incremental refresh after one branch's records change.

    .venv/bin/python bench/run.py --scale city            # loads var/bench/city once (or --reuse)
    .venv/bin/python bench/dashboards.py --scale city
    DATABASE_URL=postgres://postgres@127.0.0.1:54330/bench DANGJIAN_VAR_DIR=var/bench/province-pg \\
        .venv/bin/python bench/dashboards.py --scale province
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import bench, setup_django, skipped  # noqa: E402

CHARTS = ("summary", "heatmap", "trend", "rules", "balance", "recruitment", "dues", "rectification")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "city", "province"], default="city")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-rebuild", action="store_true")
    args = parser.parse_args(argv)
    setup_django(args.scale, reuse=True)

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dangjian.accounts.models import User
    from dangjian.core import engine
    from dangjian.dashboards import rollups
    from dangjian.dashboards.models import MonthRollup, Snapshot
    from dangjian.orgs.models import Org

    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        skipped("dashboards", "no benchmark data loaded (run bench/run.py first)")
        return
    orgs = Org.objects.count()
    print(f"# {args.scale}: {orgs} orgs; root {root.name} with "
          f"{Org.objects.filter(path__startswith=root.path, depth=2).count()} direct children", flush=True)
    if not args.skip_rebuild:
        out = rollups.rebuild()
        bench("dashboards_rebuild_s", out["seconds"], "s")
    bench("dashboards_month_rows", MonthRollup.objects.count(), "rows")
    bench("dashboards_snapshot_rows", Snapshot.objects.count(), "rows")

    user = User.objects.filter(username="gongwei").first() or User.objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(user)
    urls = [(c, reverse(f"orgdashboard-{c}", args=[root.pk])) for c in CHARTS]
    urls.append(("page", reverse("dashboards:org_dashboard", args=[root.pk])))
    connection.close()   # cold: a new connection, nothing of the rollup tables cached by this session

    def one_round():
        times, queries = {}, {}
        for name, url in urls:
            q = []
            with connection.execute_wrapper(lambda execute, sql, *a: q.append(sql) or execute(sql, *a)):
                t = time.perf_counter()
                r = client.get(url)
                times[name] = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, (url, r.status_code)
            queries[name] = len(q)
        return times, queries

    cold, queries = one_round()
    data_cold = sum(v for k, v in cold.items() if k != "page")
    bench("dashboards_root_cold_ms", data_cold, "ms (all chart endpoints)")
    bench("dashboards_root_page_cold_ms", cold["page"], "ms")
    rounds = [one_round()[0] for _ in range(args.rounds)]
    warm = {k: statistics.median(r[k] for r in rounds) for k in cold}
    bench("dashboards_root_warm_ms", sum(v for k, v in warm.items() if k != "page"), "ms (all chart endpoints)")
    bench("dashboards_root_page_warm_ms", warm["page"], "ms")
    for name in cold:
        print(f"#   {name:14s} cold {cold[name]:7.1f} ms  warm {warm[name]:7.1f} ms  {queries[name]} queries", flush=True)

    branch = Org.objects.filter(type="branch").order_by("-depth", "path").first()
    scope = engine.expand_with_ancestors([branch.pk])
    times = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        rollups.refresh(scope)
        times.append((time.perf_counter() - t) * 1000)
    bench("dashboards_refresh_one_branch_ms", statistics.median(times), f"ms ({len(scope)} orgs: a branch and its ancestors)")


if __name__ == "__main__":
    main()

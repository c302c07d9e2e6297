"""gunicorn for a dangjian app node (docs/deploy.md): `gunicorn -c deploy/gunicorn.conf.py dangjian.wsgi`.
Every setting can be overridden by the environment (GUNICORN_*), which the systemd unit and the deploy test use."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the pages are CPU- and database-bound (reports, WeasyPrint). 2×cores+1, capped so that a big
# machine does not open more database connections than pgbouncer's pool lends out.
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 17)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Province-scale 台账 and 年报 downloads take seconds; nginx waits 120 s (proxy_read_timeout), gunicorn a bit less
# so that the worker, not nginx, reports the timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "110"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then: bounded memory growth (jieba, WeasyPrint caches) without a restart.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Requests come only from nginx on this node: bind to loopback (a gunicorn reachable from elsewhere would believe
# any client's X-Forwarded-Proto, and Django too: SECURE_PROXY_SSL_HEADER). docs/deploy.md「多节点」.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
# The request id: the one nginx set (X-Request-ID, $request_id), echoed by Django in the response and stamped on
# audit rows — one id ties the nginx line, this line, the application log and the audit trail together.
# Method, path and protocol only: no query string (%(r)s, %(q)s — the 花名册 search /people/?q=<身份证号> would be
# logged in clear) and no Referer (%(f)s — it carries the previous page's query string).
access_log_format = ('%(h)s "%({x-forwarded-for}i)s" rid=%({x-request-id}o)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s '
                     '%(M)sms "%(a)s"')
proc_name = "dangjian"

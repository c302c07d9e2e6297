"""The nightly 个人信息保护 job: prune the access log past its retention period, anonymise the non-members past
theirs. After the engine's nightly run (01:30), before the working day."""
import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="40"))
@lock_task("privacy-nightly")
def privacy_nightly():
    from .actions import anonymise_expired, prune_access_log

    pruned = prune_access_log()
    result = anonymise_expired()
    log.info("个人信息保护：删除访问记录 %s 条；%s", pruned, result)
    return None     # (Huey would keep a non-None result in its storage)

"""Reminder jobs (Huey). Findings change whenever an action commits and every night; once an hour
the reminders for what is open are created and e-mailed. Safe with several workers: notifications
are unique per (recipient, finding, kind) and each e-mail row is claimed before it is sent."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import actions


@db_periodic_task(crontab(minute="15"))
def send_reminders():
    # No lock_task on purpose: two workers running this at once is the case the claim handles,
    # and a lock left behind by a killed worker would silence reminders until someone noticed.
    created = actions.create_reminders()
    sent = actions.send_pending()
    return f"新建提醒 {created} 条，发送邮件 {sent} 条"

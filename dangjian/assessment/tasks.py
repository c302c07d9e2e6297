"""Re-scoring in the background (Huey): a change to a scheme with many orgs (a province's 50,000 branches
take about 17 s) is re-scored after the request, and every night the running year's published schemes are
re-scored as of the new day, so results follow the records without anyone pressing a button."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_task()
def rescore_scheme(scheme_id: int):
    from . import scoring
    from .models import Scheme

    scheme = Scheme.objects.select_related("issuer").filter(pk=scheme_id, published_at__isnull=False).first()
    if scheme is not None:
        return len(scoring.score(scheme))


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("nightly-rescoring")
def nightly_rescoring():
    from django.utils import timezone

    from . import scoring
    from .models import Scheme

    today = timezone.localdate()
    for scheme in Scheme.objects.filter(published_at__isnull=False, year__gte=today.year - 1).select_related("issuer"):
        # The running year's schemes every night; last year's once more after it ended (its final result, as of
        # 31 December), then no longer: a closed year's result does not move. (The year scored_at fell in is Beijing
        # time's: 02:30 on 1 January is still 31 December in UTC.)
        if scheme.year == today.year or (scheme.scored_at and timezone.localtime(scheme.scored_at).year == scheme.year):
            scoring.score(scheme)

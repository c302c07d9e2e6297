"""谁办理: the branch applies through its own admins (the levels above read its pages); the branch's parent — the
机关党委, through its own admins — reviews; the standard's jurisdiction names; and nobody both reviews and names the
same application, even where the 机关党委 names under its own standard."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.fourstrong import actions
from dangjian.fourstrong.choices import ApplicationState

from .helpers import full_marks, published_standard, submitted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["committee_admin", "wc_admin"])
def test_the_levels_above_cannot_apply_fill_in_or_submit_for_branch_a(tree, people, users, who):
    upper = getattr(users, who)
    standard = published_standard(tree, users)
    with pytest.raises(ActionError, match="第一党支部的管理员"):
        actions.do_open_application(standard=standard, org=tree.a, acting_user=upper)
    app = actions.do_open_application(standard=standard, org=tree.a, acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="不能代为填写自评"):
        actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=upper)
    actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="不能代为提交申报"):
        actions.do_submit(app, acting_user=upper)
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT


def test_the_levels_above_get_read_only_pages(tree, people, users, client_as):
    standard = published_standard(tree, users)
    app = actions.do_open_application(standard=standard, org=tree.a, acting_user=users.secretary_a)
    client = client_as(users.committee_admin)
    branch_url = reverse("fourstrong:fsbranch", kwargs={"org_pk": tree.a.pk})
    html = client.get(branch_url).content.decode()
    assert 'id="read-only"' in html and 'value="apply"' not in html
    assert client.post(branch_url, {"form": "apply", "standard": standard.pk}).status_code == 404
    url = reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})
    html = client.get(url).content.decode()
    assert 'name="self_' not in html and 'value="submit"' not in html
    marks = {f"self_{c}": v for c, (v, _) in full_marks(app).items()}
    assert client.post(url, {"form": "submit", **marks}).status_code == 404
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT and app.self_total is None
    # Branch A's secretary has the form.
    assert 'name="self_' in client_as(users.secretary_a).get(url).content.decode()


def test_the_work_committee_does_not_review_for_the_committee(tree, people, users, client_as):
    """The 工委 admin's scope covers the 机关党委, but the review is the 机关党委's own: the 工委 names."""
    app = submitted(tree, users, tree.a)
    assert not actions.may_review(users.wc_admin, app) and actions.may_review(users.committee_admin, app)
    with pytest.raises(ActionError, match="中共市交通运输局机关委员会的管理员审核"):
        actions.do_review(app, passed=True, scores=full_marks(app), comment="同意", acting_user=users.wc_admin)
    client = client_as(users.wc_admin)
    url = reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})
    marks = {f"review_{c}": v for c, (v, _) in full_marks(app).items()}
    assert client.post(url, {"form": "pass", "comment": "同意", **marks}).status_code == 404
    assert app.org.name not in client.get(reverse("fourstrong:reviews")).content.decode()
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED and app.reviewed_by is None


def test_whoever_reviewed_cannot_name(tree, people, users, client_as):
    """One person holding both the 机关党委's and the 工委's roles reviews as the 机关党委: the 工委's naming must
    be someone else's."""
    from conftest import _user

    both = _user("committee_and_wc", None, [("org_admin", tree.committee), ("work_committee_admin", tree.wc)])
    app = submitted(tree, users, tree.a)
    app = actions.do_review(app, passed=True, scores=full_marks(app), comment="同意", acting_user=both)
    assert not actions.may_decide(both, app) and actions.may_decide(users.wc_admin, app)
    with pytest.raises(ActionError, match="审核和命名须由不同的人办理"):
        actions.do_decide(app, named=True, on=dt.date(2025, 12, 1), acting_user=both)
    client = client_as(both)
    url = reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})
    html = client.get(url).content.decode()
    assert 'id="reviewer-note"' in html and 'id="decide"' not in html
    assert client.post(url, {"form": "name", "on": "2025-12-01"}).status_code == 404
    assert actions.do_decide(app, named=True, on=dt.date(2025, 12, 1),
                             acting_user=users.wc_admin).state == ApplicationState.NAMED


def test_under_the_committees_own_standard_two_people_review_and_name(tree, people, users):
    """A 机关党委's own standard: it reviews (as the branches' parent) and names (as the jurisdiction), by two of
    its admins."""
    from conftest import _user

    standard = published_standard(tree, users, jurisdiction=tree.committee, who=users.committee_admin)
    app = submitted(tree, users, tree.a, standard=standard)
    actions.do_review(app, passed=True, scores=full_marks(app), comment="同意", acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="审核和命名须由不同的人办理"):
        actions.do_decide(app, named=True, on=dt.date(2025, 12, 1), acting_user=users.committee_admin)
    deputy = _user("committee_deputy", None, [("org_admin", tree.committee)])
    assert actions.do_decide(app, named=True, on=dt.date(2025, 12, 1), acting_user=deputy).state == ApplicationState.NAMED

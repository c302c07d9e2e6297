"""个人信息访问记录: who saw whose personal data, when, from where — written in bulk, read within the tree, and by the
person themself (个人信息保护法第四十四、四十五条; 网络安全法第二十一条 for the log's own retention)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.people.models import Person
from dangjian.privacy.access import record_access
from dangjian.privacy.actions import prune_access_log
from dangjian.privacy.choices import Channel, Purpose
from dangjian.privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def logged(**kw):
    return list(PersonalDataAccess.objects.filter(**kw).order_by("pk"))


def test_the_secretary_opening_a_members_page_is_logged_with_request_id_and_address(client_as, people, users):
    r = client_as(users.secretary_a).get(reverse("people:person_detail", kwargs={"pk": people.member_a.pk}),
                                         REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200
    (row,) = logged(person=people.member_a)
    assert (row.actor, row.purpose, row.org_id, row.channel) == (users.secretary_a, Purpose.DETAIL,
                                                                  people.member_a.org_id, Channel.WEB)
    assert row.request_id == r["X-Request-ID"] and row.ip == "10.1.2.3"


def test_behind_the_local_proxy_the_address_is_the_hop_it_appended(client_as, people, users):
    client_as(users.secretary_a).get(reverse("people:person_detail", kwargs={"pk": people.member_a.pk}),
                                     REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.9.8.7")
    assert logged(person=people.member_a)[0].ip == "10.9.8.7"


def test_a_member_looking_at_their_own_page_is_not_logged(client_as, people, users):
    assert client_as(users.member_a).get(reverse("people:person_detail",
                                                 kwargs={"pk": people.member_a.pk})).status_code == 200
    assert not logged()


def test_the_full_id_number_is_logged_on_the_page_and_through_the_api(client_as, people, users):
    c = client_as(users.secretary_a)
    c.post(reverse("people:person_reveal_id", kwargs={"pk": people.member_a.pk}))
    c.post(reverse("person-reveal-id", kwargs={"pk": people.member_a.pk}))
    rows = logged(person=people.member_a, purpose=Purpose.ID_NUMBER)
    assert [r.channel for r in rows] == [Channel.WEB, Channel.API]


def test_an_api_page_of_people_is_one_insert_and_skips_the_reader_themself(client_as, people, users,
                                                                           django_assert_num_queries):
    r = client_as(users.secretary_a).get(reverse("person-list"))
    assert r.status_code == 200
    seen = {row.person_id for row in logged(purpose=Purpose.API_READ)}
    assert seen == {people.member_a.pk}         # 王建国 (secretary_a) reading their own row is not a disclosure
    people_a = Person.objects.filter(org=people.member_a.org)
    with django_assert_num_queries(2):          # SELECT id, org_id + one INSERT
        assert record_access(None, people_a, Purpose.ROSTER_EXPORT, actor=users.committee_admin) == 2
    loaded = list(people_a)
    with django_assert_num_queries(1):          # objects already loaded: the INSERT only
        record_access(None, loaded, Purpose.ROSTER_EXPORT, actor=users.committee_admin)


def test_a_roster_export_logs_every_exported_person(client_as, people, users, tree):
    r = client_as(users.secretary_a).get(reverse("people:roster_export") + f"?within={tree.a.pk}")
    assert r.status_code == 200
    assert {x.person_id for x in logged(purpose=Purpose.ROSTER_EXPORT)} == {people.secretary_a.pk,
                                                                              people.member_a.pk}


def _views(tree, people, users, n=0):
    for who, whom in ((users.secretary_a, people.member_a), (users.committee_admin, people.secretary_a),
                      (users.secretary_b, people.member_b)):
        record_access(None, whom, Purpose.DETAIL, actor=who)
    PersonalDataAccess.objects.bulk_create([PersonalDataAccess(actor=users.committee_admin, person=people.member_a,
                                                               org=tree.a, purpose=Purpose.DETAIL)] * n)


def test_the_page_is_restricted_by_the_tree_and_a_member_sees_who_viewed_them(client_as, tree, people, users):
    _views(tree, people, users)
    page = client_as(users.secretary_a).get(reverse("privacy:access_list"))
    names = {a.person.name for a in page.context["page"].object_list}
    assert names == {"李红梅", "王建国"}                              # branch A only, not B's 孙丽
    page = client_as(users.secretary_b).get(reverse("privacy:access_list"))
    assert {a.person.name for a in page.context["page"].object_list} == {"孙丽"}
    page = client_as(users.member_a).get(reverse("privacy:access_list"))
    rows = list(page.context["page"].object_list)
    assert [(a.person.name, a.actor.username) for a in rows] == [("李红梅", "secretary_a")]
    assert "其他人查看您本人个人信息" in page.content.decode()


def test_the_page_filters_by_person_user_and_date(client_as, tree, people, users):
    _views(tree, people, users)
    c = client_as(users.committee_admin)
    url = reverse("privacy:access_list")
    only = lambda q: [(a.person_id, a.actor_id) for a in c.get(url + q).context["page"].object_list]  # noqa: E731
    assert only(f"?person={people.member_a.pk}") == [(people.member_a.pk, users.secretary_a.pk)]
    assert only(f"?actor={users.secretary_b.pk}") == [(people.member_b.pk, users.secretary_b.pk)]
    today = timezone.localdate()
    assert len(only(f"?since={today}&until={today}")) == 3
    assert only(f"?until={today - dt.timedelta(days=1)}") == []
    bad = c.get(url + "?since=昨天")
    assert bad.status_code == 200 and "筛选条件有误" in bad.content.decode()


def test_the_page_is_a_constant_number_of_queries(client_as, tree, people, users, django_assert_max_num_queries):
    _views(tree, people, users, n=120)
    c = client_as(users.secretary_a)
    with django_assert_max_num_queries(8):
        r = c.get(reverse("privacy:access_list"))
    assert len(r.context["page"].object_list) == 50


def test_the_api_is_restricted_the_same_way(client_as, tree, people, users):
    _views(tree, people, users)
    url = reverse("personaldataaccess-list")
    data = client_as(users.member_a).get(url).json()
    assert [(r["person"], r["actor_name"]) for r in data["results"]] == [(people.member_a.pk, "secretary_a")]
    data = client_as(users.secretary_b).get(url + f"?person={people.member_a.pk}").json()
    assert data["results"] == []
    data = client_as(users.auditor).get(url + f"?person={people.member_a.pk}").json()
    assert [r["purpose_display"] for r in data["results"]] == ["人员详情"]


def test_records_older_than_the_retention_period_are_pruned(tree, people, users):
    _views(tree, people, users)
    now = timezone.now()
    old = PersonalDataAccess.objects.order_by("pk").first()
    PersonalDataAccess.objects.filter(pk=old.pk).update(created=now - dt.timedelta(days=3 * 366 + 1))
    assert prune_access_log(now=now) == 1
    assert PersonalDataAccess.objects.count() == 2


def test_the_log_cannot_be_set_to_keep_less_than_six_months(users):
    from dangjian.core.actions import do_update_setting
    from dangjian.core.errors import ActionError

    with pytest.raises(ActionError, match="6 到 120"):
        do_update_setting("privacy_access_log_months", 5, acting_user=users.wc_admin)
    do_update_setting("privacy_access_log_months", 6, acting_user=users.wc_admin)

"""A small year of branch A (2025), with every count computed by hand in the tests:

* 周晓 — born 1994-12-31 (31 on 2025-12-31: the first day of 31—35), 回族, 研究生, 公务员, joined 2012-11-01;
* 吴青 — born 1995-01-01 (still 30), 汉族, 大学本科, admitted 预备党员 on 2025-06-01: the year's 发展党员;
* 郑重 — joined 1985, died 2025-08-10: a departure in the year;
* 钱多 — joined 2012-10-31, 组织关系 transferred out of the platform (reported there 2025-03-01);
* 冯远 — joined 2000-01-01, transferred in from outside the platform on 2025-05-20;
* 陈立 — joined 1975-05-01, born 1960-01-01, died 2026-02-01: still a member on 2025-12-31;
* 何平 — an 入党申请人: never counted;
* B's 孙丽 (member_b) — moved to A by a letter of 2025-09-01: into A, out of B, nothing for the 机关党委;
* A has a 组织委员 (a 支部委员会); B has only its secretary.
"""
import datetime as dt

import pytest

D = dt.date


@pytest.fixture
def year_2025(tree, people, users):
    from conftest import _person
    from dangjian.membership.actions import do_confirm_report, do_issue_transfer_out, do_receive_transfer_in
    from dangjian.orgs.actions import do_appoint
    from dangjian.people.actions import do_change_status

    class Y:
        pass

    y = Y()
    y.zhou = _person(tree.a, "周晓", gender="female", birth_date=D(1994, 12, 31), ethnicity="回族", education="研究生",
                     personnel_category="civil_servant", probationary_date=D(2012, 11, 1),
                     full_member_date=D(2013, 11, 1))
    y.wu = _person(tree.a, "吴青", gender="female", birth_date=D(1995, 1, 1), ethnicity="汉族", education="大学本科",
                   status="probationary", probationary_date=D(2025, 6, 1), full_member_date=None)
    y.zheng = _person(tree.a, "郑重", gender="male", birth_date=D(1950, 3, 1), probationary_date=D(1985, 7, 1),
                      full_member_date=D(1986, 7, 1))
    do_change_status(y.zheng, "deceased", on=D(2025, 8, 10))
    y.qian = _person(tree.a, "钱多", gender="male", birth_date=D(1988, 5, 5), probationary_date=D(2012, 10, 31),
                     full_member_date=D(2013, 10, 31))
    t = do_issue_transfer_out(y.qian, to_name="外省某县党支部", letter_date=D(2025, 2, 20))
    do_confirm_report(t, reported_on=D(2025, 3, 1))
    y.feng = _person(tree.a, "冯远", gender="male", birth_date=D(1970, 6, 1), probationary_date=D(2000, 1, 1),
                     full_member_date=D(2001, 1, 1))
    do_receive_transfer_in(y.feng, from_name="外省某机关党支部", letter_date=D(2025, 5, 10), reported_on=D(2025, 5, 20))
    y.chen = _person(tree.a, "陈立", gender="male", birth_date=D(1960, 1, 1), probationary_date=D(1975, 5, 1),
                     full_member_date=D(1976, 5, 1))
    do_change_status(y.chen, "deceased", on=D(2026, 2, 1))
    y.he = _person(tree.a, "何平", status="applicant", probationary_date=None, full_member_date=None,
                   application_date=D(2025, 3, 1))
    do_issue_transfer_out(people.member_b, to_org=tree.a, letter_date=D(2025, 9, 1))
    do_appoint(person=y.zhou, org=tree.a, role="organization", start=D(2024, 3, 15))
    return y

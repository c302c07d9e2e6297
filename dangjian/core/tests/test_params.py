"""Numbers typed by users: only plain ASCII digits are numbers, and a number past any key is simply absent.

`str.isdigit()` also says yes to "²", "①", "１２" (full width) and "٣" (Arabic-Indic); `int("²")` then raised a
500 on every page that parsed an id or a year that way.
"""
import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core import crypto
from dangjian.core.errors import ActionError
from dangjian.core.params import ID_MAX, ascii_int, id_param, is_ascii_int, year_param
from dangjian.djx.check import _natural
from dangjian.djx.exporter import natural_key

NOT_NUMBERS = ["²", "³", "①", "１２", "٣", "", "   ", None, "12a", "1 2", "+1", "1.0", "0x1", "-", "--1", True, 1.5,
               ["1"]]
HUGE = "9" * 30


@pytest.mark.parametrize("value", NOT_NUMBERS, ids=repr)
def test_only_ascii_digits_are_numbers(value):
    assert ascii_int(value) is None
    assert ascii_int(value, default=7) == 7
    assert not is_ascii_int(value)


def test_plain_numbers_and_whitespace():
    assert ascii_int("12") == 12
    assert ascii_int(" 12 ") == 12
    assert ascii_int("007") == 7
    assert ascii_int("0") == 0
    assert ascii_int(42) == 42
    assert is_ascii_int("12")


def test_ids_stay_within_a_64_bit_key():
    assert ascii_int(HUGE) is None
    assert ascii_int(HUGE, default=0) == 0
    assert ascii_int(str(ID_MAX)) == ID_MAX
    assert ascii_int(str(ID_MAX + 1)) is None
    assert ascii_int(10**30) is None


def test_negatives_only_when_asked():
    assert ascii_int("-1") is None
    assert ascii_int("-1", negative=True) is None          # the default lower bound is still 0
    assert ascii_int("-1", negative=True, min=None) == -1
    assert ascii_int("-²", negative=True, min=None) is None
    assert ascii_int(-1) is None


def test_bounds():
    assert ascii_int("5", min=1, max=10) == 5
    assert ascii_int("0", min=1, max=10, default=1) == 1
    assert ascii_int("11", min=1, max=10) is None
    assert ascii_int("11", min=None, max=None) == 11


def test_year_param():
    assert year_param("2025") == 2025
    assert year_param(" 1900 ") == 1900 and year_param("2100") == 2100
    assert year_param("1899") is None and year_param("2101") is None
    assert year_param("²０２５", default=2026) == 2026
    assert year_param("２０２５", default=2026) == 2026
    assert year_param("2030", max=2026, default=2026) == 2026


def test_id_param_a_number_past_any_key_finds_nothing():
    assert id_param("12") == 12 and id_param(" 12 ") == 12
    assert id_param(HUGE) == 0 and id_param("9" * 5000) == 0     # 0 is no row's key: "not found", as before
    for value in ("²", "①", "１２", "٣", "", None, "-1", "abc"):
        assert id_param(value) is None and id_param(value, default=0) == 0


def test_an_id_number_in_other_digits_is_refused_not_a_crash():
    valid = "11010519491231002X"
    assert crypto.id_number_problem(valid) is None
    fullwidth = valid.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert crypto.id_number_problem(fullwidth) == "公民身份号码前17位应为数字，最后一位为数字或X"
    assert crypto.id_number_problem("²" + valid[1:]) == "公民身份号码前17位应为数字，最后一位为数字或X"


def test_typed_counts_refuse_other_digits():
    from dangjian.orglife.actions import _vote_count
    from dangjian.orglife.forms import _count

    assert _count("12") == 12 and _count("²") is False and _count(HUGE) is False and _count("") is None
    assert _vote_count(" 3 ", "张三", "优秀票") == 3
    for bad in ("²", "--1", HUGE):
        with pytest.raises(ActionError, match="须为整数"):
            _vote_count(bad, "张三", "优秀票")
    with pytest.raises(ActionError, match="不能为负数"):
        _vote_count("-1", "张三", "优秀票")


@pytest.mark.parametrize("value", ["1②", "②", "a-³", "١٢", "x１２y", "10-2", ""])
def test_natural_sort_keys_never_raise(value):
    natural_key(value)
    _natural(value)


def test_natural_sort_keys_still_sort_numbers_as_numbers():
    assert sorted(["p10", "p9", "p②", "p1"], key=natural_key)[:3] == ["p1", "p9", "p10"]
    assert sorted(["p10", "p9", "p1"], key=_natural) == ["p1", "p9", "p10"]


# ── real routes that parsed ids and years with isdigit() ───────────────────────────────────────────────────
BAD = ["²", "①", "１２", HUGE]

ROUTES = [
    ("dues:report", {"org": "{v}"}),
    ("dues:report", {"year": "{v}"}),
    ("dues:collect", {"org": "{v}"}),
    ("dispositions:disposition_list", {"org": "{v}", "person": "{v}"}),
    ("dispositions:disposition_create", {"person": "{v}", "appraisal": "{v}"}),
    ("recruitment:recruitment_list", {"org": "{v}", "stage": "{v}"}),
    ("membership:transfer_list", {"org": "{v}"}),
    ("membership:sanqing", {"org": "{v}"}),
    ("orglife:meeting_list", {"org": "{v}"}),
    ("orglife:ledger_index", {"org": "{v}"}),
    ("orglife:meeting_attendance", {"org": "{v}", "meeting": "{v}"}),
    ("people:person_pick", {"within": "{v}"}),
    ("people:roster_export", {"within": "{v}"}),
    ("accounts:user_create", {"person": "{v}"}),
    ("duty:responsibilities", {"year": "{v}", "unit": "{v}"}),
    ("djx_export", {"org": "{v}"}),
    ("result-list", {"scheme": "{v}"}),
    ("duespayment-list", {"person": "{v}"}),
]


@pytest.mark.parametrize("value", BAD, ids=["sup2", "circled1", "fullwidth12", "30digits"])
@pytest.mark.parametrize("name,params", ROUTES, ids=[f"{n}?{'&'.join(p)}" for n, p in ROUTES])
def test_odd_numbers_in_the_query_string_are_never_a_server_error(name, params, value, users):
    """Secretary A types a non-ASCII or huge number into ?org= / ?year= / ?person=: the page answers (or says
    not found), it never fails with a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(users.secretary_a)
    response = client.get(reverse(name), {k: v.format(v=value) for k, v in params.items()})
    assert response.status_code < 500, f"{name} {params} {value!r} → {response.status_code}"


def test_a_valid_org_still_filters(tree, users):
    """The same pages keep reading a plain ASCII id: an out-of-scope branch is still 404."""
    client = Client()
    client.force_login(users.secretary_a)
    assert client.get(reverse("dispositions:disposition_list"), {"org": str(tree.b.pk)}).status_code == 404
    assert client.get(reverse("dispositions:disposition_list"), {"org": str(tree.a.pk)}).status_code == 200
    assert client.get(reverse("djx_export"), {"org": str(tree.b.pk)}).status_code == 404
    assert client.get(reverse("djx_export"), {"org": "①"}).status_code == 404


def test_evaluate_command_names_an_odd_org_as_unknown(tree):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="找不到党组织"):
        call_command("evaluate", org="²")

"""“四强”党支部 has no finding on its baseline: that baseline is the other rules' findings (see `baseline.py`). Its
one rule, SQ-03, reminds the naming organ of a title whose 复核 is due. Its [P] parameters are declared here, with the
engine's other settings (rules.md SQ-02, SQ-GAP: the official procedure, validity period and revocation conditions
were not retrieved, so all of them are configurable)."""
import datetime as dt

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.settings_forms import TEXT_CHECKS

# Every organisational-life, elections and recruitment rule that can judge a branch or its 党小组 (engine domains
# orglife, elections, recruitment; BR-, ELEC-01 and TERM- of orgs). REL-01 is a single rule: REL-03 (组织关系介绍信)
# is membership, not organisational life. DLH-01 (领导班子民主生活会) judges 党组 only and is left out.
GATED_DEFAULT = "ORGLIFE-、BR-、EVAL-、TALK-、REL-01、ELEC-、TERM-、DEV-"

engine.setting("fourstrong_gated_rules", GATED_DEFAULT,
               "“四强”党支部创建前提（SQ-02）：党支部及其党小组有这些规则未消除的 BLOCK、WARN 预警时不能申报、审核和命名"
               "（以“-”结尾的是规则族，如 ORGLIFE-；其他为单条规则编号，如 REL-01；顿号分隔）")
engine.setting("fourstrong_validity_years", 3, "“四强”党支部命名有效期（年，新建创建标准的默认值；SQ-GAP）")
engine.setting("fourstrong_lapse", "flag",
               "“四强”党支部复核不合格时：flag（列为待复核、限期整改，整改期限届满复核仍不合格的撤销）或 revoke（自动撤销命名）")
engine.setting("fourstrong_rectify_months", 3, "“四强”党支部复核不合格、限期整改的期限（月）")


def _check_gated(value):
    from .baseline import check_gated_rules

    return check_gated_rules(value)


TEXT_CHECKS["fourstrong_gated_rules"] = _check_gated

# How many days before a title's 复核 date the naming organ is reminded (a fixed lead, not a setting).
RECHECK_NOTICE_DAYS = 30


@rule("SQ-03", reads=("fourstrong.title", "fourstrong.standard", "orgs.org"), title="“四强”党支部到期复核",
      citation="《中央和国家机关“四强”党支部创建管理办法》（复核办法未取得，SQ-GAP）：命名后按创建标准的复核间隔复核，"
               "达不到标准化规范化要求的限期整改或撤销命名",
      severity="WARN", subject="org", period="year", live_only=True)
def recheck_due(ctx):
    """有效的“四强”党支部命名（未撤销、未过有效期）到了下次复核日期（待复核、限期整改的，为整改期限）仍未复核：
    预警；距复核日期 30 天以内：提示（“还有 N 天”）。对象为被命名的党支部，预警挂在命名机关（创建标准的制定单位）下，
    提醒由命名机关的管理员办理复核；期间为复核日期所在年度。复核后按新的复核日期重新判断。"""
    from .choices import TitleState
    from .models import Title

    soon = ctx.as_of + dt.timedelta(days=RECHECK_NOTICE_DAYS)
    titles = (Title.objects.exclude(state=TitleState.REVOKED)
              .filter(valid_until__gte=ctx.as_of, next_recheck__lte=soon, valid_from__lte=ctx.as_of)
              .select_related("org", "standard__jurisdiction"))
    if ctx.org_ids is not None:
        # The finding lives under the naming organ: judge every title of a jurisdiction in scope.
        titles = titles.filter(standard__jurisdiction_id__in=ctx.org_ids)
    for t in titles.order_by("org__path", "pk"):
        org = t.org
        if org.dissolved and org.dissolved <= ctx.as_of:
            continue
        when = "整改期限" if t.state == TitleState.FLAGGED else "复核日期"
        if t.next_recheck <= ctx.as_of:
            text = (f"{org.name}的“四强”党支部命名（{t.valid_from:%Y-%m-%d}命名）{when}{t.next_recheck:%Y-%m-%d}已到，"
                    f"尚未复核：请{t.standard.jurisdiction.name}办理复核")
            severity = "WARN"
        else:
            days = (t.next_recheck - ctx.as_of).days
            text = (f"{org.name}的“四强”党支部命名{when}{t.next_recheck:%Y-%m-%d}，还有 {days} 天：请"
                    f"{t.standard.jurisdiction.name}准备复核")
            severity = "INFO"
        yield Hit(org, text, period=str(t.next_recheck.year), org_id=t.standard.jurisdiction_id, severity=severity)

"""REL-02: which document a member who leaves for a while carries (common practice, [P]): under three
months none; up to six months a 党员证明信 (temporary relation); six months or more at a fixed place the
组织关系介绍信 (the relation moves, EDU-04); at no fixed place the 《流动党员活动证》."""
from __future__ import annotations

import datetime as dt

from dangjian.core.periods import add_months


def away_document(away_since: dt.date, fixed: bool, today: dt.date) -> str:
    if add_months(away_since, 3) > today:
        return "外出不满3个月，一般无需开具凭证"
    if add_months(away_since, 6) > today:
        return "外出3至6个月：开具党员证明信（临时组织关系）"
    if fixed:
        return "外出6个月以上、地点相对固定：开具组织关系介绍信，转移正式组织关系"
    return "外出6个月以上、地点不固定：发放《流动党员活动证》"

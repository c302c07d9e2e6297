"""“四强”党支部 has no finding of its own: its 标准化规范化 baseline is the other rules' findings (see `baseline.py`).
Its [P] parameters are declared here, with the engine's other settings (rules.md SQ-02, SQ-GAP: the official
procedure, validity period and revocation conditions were not retrieved, so all of them are configurable)."""
from dangjian.core import engine

engine.setting("fourstrong_gated_rules", "ORGLIFE-、BR-、EVAL-、ELEC-、TERM-、DEV-",
               "“四强”党支部创建前提（SQ-02）：党支部及其党小组有这些规则族（编号前缀，顿号分隔）未消除的 BLOCK、WARN 预警时不能申报、审核和命名")
engine.setting("fourstrong_validity_years", 3, "“四强”党支部命名有效期（年，新建创建标准的默认值；SQ-GAP）")
engine.setting("fourstrong_lapse", "flag",
               "“四强”党支部复核不合格时：flag（列为待复核、限期整改，由命名机关决定撤销）或 revoke（自动撤销命名）")
engine.setting("fourstrong_rectify_months", 3, "“四强”党支部复核不合格、限期整改的期限（月）")

"""个人信息保护 has no compliance rules; it declares its [P] settings here (the engine imports every app's rules.py).

* 访问记录的保存期限: 网络安全法第二十一条 asks that network logs be kept for at least six months (the lower bound,
  also 等级保护 2.0's 审计记录); the default keeps three years, the length of a typical 巡察 look-back.
* 非党员个人信息的保存期限: 个人信息保护法第十九条 — kept for the shortest time the purpose needs; rules.md names no
  period for the records of people who never joined or who left. Default five years after leaving: one full term of
  a party committee (党章: 党的地方各级委员会每届任期五年), so that every inspection or audit of a term can still
  check its recruitment and transfer records against named people; after that they are kept only anonymised."""
from dangjian.core import engine

engine.setting("privacy_access_log_months", 36, "个人信息访问记录保存期限（月，不少于6个月）")
engine.setting("privacy_non_member_retention_years", 5, "非党员（未被接收的申请人、已离开人员）个人信息保存期限（年），届满后匿名化")

"""考试 has no compliance rule of its own; its [P] settings are declared here with the others."""
from dangjian.core import engine

engine.setting("exam_weak_rate", 60, "考试薄弱知识点：正确率低于（%）")
engine.setting("exam_aggregate_min", 3, "考试汇总：参考人数少于此数的党组织，上级不显示其平均分、及格率和薄弱知识点（防推知个人成绩）")

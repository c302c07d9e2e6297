"""The labelled evaluation set of TXT-02/03/04 (see README.md) and the precision/recall computation.

`python -m dangjian.textquality.evaluation` prints the table of docs/textquality-evaluation.md."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RULES = ("TXT-02", "TXT-03", "TXT-04")
FILES = {"TXT-02": "txt02.yaml", "TXT-03": "txt03.yaml", "TXT-04": "txt04.yaml"}


def items(rule_id: str) -> list[dict]:
    return yaml.safe_load((HERE / FILES[rule_id]).read_text(encoding="utf-8"))


def predict(rule_id: str, item: dict, settings: dict | None = None) -> bool:
    from dangjian.textquality import judgements as j

    if rule_id == "TXT-02":
        return j.judge_critiques(item["critiques"], settings).hit
    if rule_id == "TXT-03":
        return j.judge_duty_report(item["text"], settings).hit
    return j.judge_theme_day(item.get("topic") or "", item.get("minutes") or "", settings).hit


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def evaluate(rule_id: str, split: str | None = None, settings: dict | None = None) -> tuple[Score, list[str]]:
    """The score on the items of one split (None: all) and the ids it got wrong."""
    s, wrong = Score(), []
    for it in items(rule_id):
        if split is not None and it["split"] != split:
            continue
        got, want = predict(rule_id, it, settings), bool(it["label"])
        if got and want:
            s.tp += 1
        elif got:
            s.fp += 1
            wrong.append(it["id"])
        elif want:
            s.fn += 1
            wrong.append(it["id"])
        else:
            s.tn += 1
    return s, wrong


def table() -> str:
    lines = ["| 规则 | 集合 | 条数 | TP | FP | FN | TN | 精确率 | 召回率 | 判错 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for rid in RULES:
        for split, label in (("dev", "开发集"), ("heldout", "留出集"), (None, "全部")):
            s, wrong = evaluate(rid, split)
            lines.append(f"| {rid} | {label} | {s.n} | {s.tp} | {s.fp} | {s.fn} | {s.tn} | {s.precision:.2f} | "
                         f"{s.recall:.2f} | {'、'.join(wrong) or '—'} |")
    return "\n".join(lines)

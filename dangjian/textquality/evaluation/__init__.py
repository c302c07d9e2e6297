"""The labelled evaluation set of TXT-02/03/04 (see README.md) and the precision/recall computation.

Each rule has a main file (`txt02.yaml` …, splits `dev` and `heldout`) and may have further files named after it
(`txt02_<name>.yaml`, same item format): their items form the split `<name>` — `txt02_blind.yaml` is the split
"blind" — whatever their own `split` field says, and are reported as their own rows with the file's stem as the
source. "全部" (the whole set) is the main file only, so a new file never changes the floors the tests enforce.

`python -m dangjian.textquality.evaluation` prints the table of docs/textquality-evaluation.md."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RULES = ("TXT-02", "TXT-03", "TXT-04")
STEMS = {"TXT-02": "txt02", "TXT-03": "txt03", "TXT-04": "txt04"}
FILES = {rid: f"{stem}.yaml" for rid, stem in STEMS.items()}
MAIN_SPLITS = (("dev", "开发集"), ("heldout", "留出集"))


def extra_files(rule_id: str, directory: Path | None = None) -> list[Path]:
    """The further files of a rule (`txt02_*.yaml`), by name."""
    return sorted((directory or HERE).glob(f"{STEMS[rule_id]}_*.yaml"))


def _load(path: Path, split: str | None = None) -> list[dict]:
    out = []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for it in data.get("items", []) if isinstance(data, dict) else data:
        it = {**it, "source": path.stem}
        if split is not None:
            it["split"] = split
        out.append(it)
    return out


def items(rule_id: str, extra: bool = False, directory: Path | None = None) -> list[dict]:
    """The items of the main file; with `extra`, followed by those of the further files (split = the file's suffix)."""
    d = directory or HERE
    out = _load(d / FILES[rule_id])
    if extra:
        for path in extra_files(rule_id, d):
            out += _load(path, path.stem[len(STEMS[rule_id]) + 1:])
    return out


def predict(rule_id: str, item: dict, settings: dict | None = None) -> bool:
    from dangjian.textquality import judgements as j

    if rule_id == "TXT-02":
        return j.judge_critiques(item["critiques"], settings).hit
    if rule_id == "TXT-03":
        return j.judge_duty_report(item["text"], settings).hit
    return j.judge_theme_day(item.get("topic") or "", item.get("minutes") or "", settings).hit


def lexicon_entries(rule_id: str, item: dict) -> set[str]:
    """The lexicon entries (phrases, pattern names) an item's text matches: a held-out item may match only entries
    that some dev item matches too — otherwise the lexicon has learnt its wording (README.md)."""
    from dangjian.textquality import judgements as j
    from dangjian.textquality import lexicon as lx

    def found(text, *tables):
        return {m.label for table, patterns in tables for m in lx.find(text, table, patterns)}

    if rule_id == "TXT-02":
        return set().union(*(found(c, (j.CRITIQUE_TABLE, lx.CONCRETE_PATTERNS + lx.INCIDENT_PATTERNS),
                                   (j.ACT_TABLE, j.ACT_PATTERNS))
                             for c in item["critiques"]))
    if rule_id == "TXT-03":
        ties = {"以…促" if m.group(0).startswith("以") else "建在…上" if m.group(0).startswith("建在") else m.group(0)
                for m in lx.INTEGRATION.finditer(item["text"])}
        return set().union(*(found(s, (j.DUTY_TABLE, lx.DUTY_PATTERNS + lx.BUSINESS_PATTERNS))
                             for s in j.sentences(item["text"]))) | ties
    texts = [item.get("topic") or ""] + j.sentences(item.get("minutes") or "")
    words = {w for w in lx.SERVICE_FRAME + lx.PUBLIC + lx.SERVICE_ACTS if any(w in x for x in texts)}
    return set().union(*(found(x, (j.THEME_TABLE, j.THEME_PATTERNS)) for x in texts)) | words


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


def evaluate(rule_id: str, split: str | None = None, settings: dict | None = None,
             directory: Path | None = None) -> tuple[Score, list[str]]:
    """The score on the items of one split (None: the whole main file) and the ids it got wrong."""
    s, wrong = Score(), []
    for it in items(rule_id, extra=split is not None, directory=directory):
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


def rows(rule_id: str, extra: bool = True, directory: Path | None = None) -> list[tuple[str, str, str | None]]:
    """(source, label, split) of the table's rows for one rule: dev, heldout, the whole main file, then one row per
    further file."""
    stem = STEMS[rule_id]
    out = [(stem, label, split) for split, label in MAIN_SPLITS] + [(stem, "全部", None)]
    if extra:
        for path in extra_files(rule_id, directory):
            split = path.stem[len(stem) + 1:]
            out.append((path.stem, split, split))
    return out


def table(extra: bool = True, directory: Path | None = None) -> str:
    lines = ["| 规则 | 来源 | 集合 | 条数 | TP | FP | FN | TN | 精确率 | 召回率 | 判错 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for rid in RULES:
        for source, label, split in rows(rid, extra, directory):
            s, wrong = evaluate(rid, split, directory=directory)
            lines.append(f"| {rid} | {source} | {label} | {s.n} | {s.tp} | {s.fp} | {s.fn} | {s.tn} | "
                         f"{s.precision:.2f} | {s.recall:.2f} | {'、'.join(wrong) or '—'} |")
    return "\n".join(lines)

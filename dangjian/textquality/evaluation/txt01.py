"""The labelled evaluation set of TXT-01 (txt01.yaml; docs/textquality-evaluation.md, "## TXT-01").

Each group is judged as its own corpus at the rule's declared default settings (mode "group": the small-corpus
case, e.g. a DJX file with a few branches — the one the floors use), or all groups together in one corpus with the
other groups as background (mode "background": orgs and keys are namespaced by group, so the discount sees every
group's texts; a pair across groups is never a copy).

Scoring is per later text: a text is a copy when it is the later index of a pair in `copies`. TP = a copy that
TXT-01 reports with at least one correct earlier source (for a family of pasted texts any earlier member counts);
FN = a copy not reported with a correct source; FP = a reported text that is not a copy (or a copy reported only
with wrong sources — then it is both FP and FN); TN = the rest.

`python -m dangjian.textquality.evaluation.txt01` prints the table (add `background` for the other mode)."""
from __future__ import annotations

import inspect
from collections import defaultdict

import yaml

from . import HERE, Score

RULE = "TXT-01"
SPLITS = (("dev", "开发集"), ("heldout", "留出集"), (None, "全部"))
# Corpus keyword -> the setting that declares it (only those Corpus accepts are passed).
_CORPUS_SETTINGS = {"boilerplate_orgs": ("txt01_boilerplate_orgs", int),
                    "boilerplate_share": ("txt01_boilerplate_share", float)}


def groups() -> list[dict]:
    return yaml.safe_load((HERE / "txt01.yaml").read_text(encoding="utf-8"))


def default_settings() -> dict:
    """The TXT-01 settings as declared in the engine's registry (not the jurisdiction's overrides)."""
    from dangjian.core import engine
    from dangjian.textquality import copies  # noqa: F401  (declares the txt01_* settings)

    return {k: s.default for k, s in engine.registry.settings.items() if k.startswith("txt01_")}


def _corpus(docs, settings: dict):
    from dangjian.textquality import text as T

    params = inspect.signature(T.Corpus).parameters
    kw = {p: cast(settings[key]) for p, (key, cast) in _CORPUS_SETTINGS.items() if p in params and key in settings}
    return T.Corpus(docs, **kw)


def _find(corpus, settings: dict):
    from dangjian.textquality import copies
    from dangjian.textquality import text as T

    # the rule's own verification (`copies.verify`: each direction by its own share, the common-block check);
    # scored by the later text of a pair whose later direction holds, as before
    pairs = T.find_copies(corpus, threshold=float(settings["txt01_jaccard"]), min_chars=int(settings["txt01_min_chars"]),
                          min_share=0.0)
    return [p for p in copies.verify(pairs, corpus, settings) if p.later_ok]


def _docs(g: dict, ns=None):
    from dangjian.textquality import text as T

    return [T.Doc(key=(ns, i) if ns else i, org=(ns, t["org"]) if ns else t["org"], order=(str(t["date"]), i),
                  text=t["text"]) for i, t in enumerate(g["texts"])]


def reported(mode: str = "group", settings: dict | None = None) -> dict[str, dict[int, set]]:
    """group id -> {later index: the earlier sources TXT-01 reports for it (indices, or (group, index) across)}."""
    settings = settings or default_settings()
    gs = groups()
    out: dict[str, dict[int, set]] = {g["id"]: defaultdict(set) for g in gs}
    if mode == "group":
        for g in gs:
            for p in _find(_corpus(_docs(g), settings), settings):
                out[g["id"]][p.later.key].add(p.earlier.key)
    elif mode == "background":
        docs = [d for g in gs for d in _docs(g, ns=g["id"])]
        for p in _find(_corpus(docs, settings), settings):
            (gl, jl), (ge, je) = p.later.key, p.earlier.key
            out[gl][jl].add(je if ge == gl else (ge, je))
    else:
        raise ValueError(mode)
    return out


def score(split: str | None = None, mode: str = "group", settings: dict | None = None,
          found: dict | None = None) -> tuple[Score, list[str]]:
    """The score over the texts of one split (None: all) and the texts it got wrong ("g03#2")."""
    found = found if found is not None else reported(mode, settings)
    s, wrong = Score(), []
    for g in groups():
        if split is not None and g["split"] != split:
            continue
        sources = defaultdict(set)
        for i, j in g["copies"]:
            sources[j].add(i)
        for j in range(len(g["texts"])):
            got = found[g["id"]].get(j, set())
            right = bool(got & sources.get(j, set()))
            if j in sources:
                if right:
                    s.tp += 1
                else:
                    s.fn += 1
                    wrong.append(f"{g['id']}#{j}")
                if got and not right:
                    s.fp += 1
            elif got:
                s.fp += 1
                wrong.append(f"{g['id']}#{j}")
            else:
                s.tn += 1
    return s, wrong


def evaluate(mode: str = "group", settings: dict | None = None) -> list[dict]:
    """Rows for the table of docs/textquality-evaluation.md: one per split (开发集, 留出集, 全部)."""
    found = reported(mode, settings)
    rows = []
    for split, label in SPLITS:
        s, wrong = score(split, mode, settings, found)
        rows.append({"rule": RULE, "split": label, "n": s.n, "tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn,
                     "precision": s.precision, "recall": s.recall, "wrong": wrong})
    return rows


def counts() -> dict:
    """Size of the set: groups, texts, copied later texts, copied pairs, non-copied pairs within groups."""
    gs = groups()
    pairs = sum(len(g["texts"]) * (len(g["texts"]) - 1) // 2 for g in gs)
    copied = sum(len(g["copies"]) for g in gs)
    return {"groups": len(gs), "texts": sum(len(g["texts"]) for g in gs),
            "copies": sum(len({j for _, j in g["copies"]}) for g in gs), "copied_pairs": copied,
            "negative_pairs": pairs - copied}


def table(mode: str = "group") -> str:
    lines = ["| 规则 | 集合 | 篇数 | TP | FP | FN | TN | 精确率 | 召回率 | 判错 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in evaluate(mode):
        lines.append(f"| {r['rule']} | {r['split']} | {r['n']} | {r['tp']} | {r['fp']} | {r['fn']} | {r['tn']} | "
                     f"{r['precision']:.2f} | {r['recall']:.2f} | {'、'.join(r['wrong']) or '—'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import os
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    print(counts())
    print(table(sys.argv[1] if len(sys.argv) > 1 else "group"))

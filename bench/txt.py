#!/usr/bin/env python
"""TXT-01 benchmark: copied minutes over a synthetic corpus (issue 8).

    .venv/bin/python bench/txt.py                 # 100,000 documents, and 20,000 with the exhaustive baseline
    .venv/bin/python bench/txt.py --n 20000 --exhaustive-n 5000   # a quicker run

Generates N minutes of 400–800 characters (seed fixed): every one has the shared headers (会议时间/地点/
主持人/应到/实到/记录人) and one of a few stock openings and closings; its substance is drawn from a vocabulary of
party-building phrases and random wording; 1% are planted near-duplicates of an earlier minute (another org's
or the same org's earlier one) with 2–40 words changed. Then:

1. `txt01_lsh_100k` — the TXT-01 pipeline of the rule (dangjian/textquality/text.py): corpus sentence
   frequency and boilerplate discount, shingle hashes, MinHash signatures, LSH candidates, exact Jaccard,
   rapidfuzz alignment — over all N documents;
2. at `--exhaustive-n` documents (the first ones): the same pipeline (`txt01_lsh_20k`) and the exhaustive
   baseline `txt01_exhaustive_20k` — the exact Jaccard of every pair of substance shingle sets by sparse
   matrix products (SciPy, blocks of 500 rows), then the same rapidfuzz alignment on the pairs above the
   threshold — their ratio, and the recall of the LSH pipeline against the exhaustive pairs.

Prints `BENCH <name> <value> <unit>` lines like bench/run.py. Needs no database.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dangjian.textquality import text as T  # noqa: E402

PHRASES = [
    "习近平新时代中国特色社会主义思想", "党的二十届三中全会精神", "全面从严治党", "中央八项规定精神", "党史学习教育",
    "主题教育", "模范机关创建", "基层党组织标准化规范化建设", "三会一课", "主题党日", "谈心谈话", "民主评议党员",
    "党风廉政建设", "意识形态工作", "为民服务解难题", "作风建设", "调查研究", "业务工作", "党建和业务深度融合",
    "发展党员工作", "党费收缴", "组织生活会", "批评和自我批评", "廉政风险点", "政治理论学习", "理想信念教育",
]
VERBS = ["学习", "传达", "研究", "部署", "讨论", "落实", "推进", "总结", "通报", "审议", "梳理", "检查"]
PLACES = ["三楼会议室", "党员活动室", "二楼小会议室", "五楼党建室", "局机关会议室"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国华明伟芳娜敏静丽强磊军洋勇艳杰娟涛超秀英霞平刚桂兰文辉力红宇鹏飞"
OPENINGS = ["本次会议由支部书记主持，全体党员参加", "会议首先学习了上级有关文件精神", "会议按照年度工作计划召开"]
CLOSINGS = [
    "会议号召全体党员要以更加饱满的热情、更加务实的作风，扎实做好各项工作",
    "会议要求全体党员要提高政治站位，切实把思想和行动统一到上级决策部署上来",
    "会议强调，要以此次会议为契机，推动支部各项工作再上新台阶",
]
# Common characters for the random wording (the 3,500 most used are roughly U+4E00.. in frequency order is not
# available offline: a fixed pool of 1,500 CJK characters is used instead).
POOL = [chr(c) for c in range(0x4E00, 0x4E00 + 6000, 4)]


def _name(rnd):
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else "")


def _word(rnd):
    return "".join(rnd.choice(POOL) for _ in range(rnd.choice((2, 2, 3, 4))))


def _sentence(rnd):
    parts = [rnd.choice(VERBS), rnd.choice(PHRASES)]
    for _ in range(rnd.randint(3, 7)):
        parts.append(_word(rnd) if rnd.random() < 0.8 else rnd.choice(PHRASES))
    return "".join(parts) + "。"


def minutes(rnd, year, quarter) -> str:
    month = (quarter - 1) * 3 + rnd.randint(1, 3)
    expected = rnd.randint(6, 30)
    head = (f"会议时间：{year}年{month}月{rnd.randint(1, 28)}日\n地点：{rnd.choice(PLACES)}\n主持人：{_name(rnd)}\n"
            f"应到：{expected}人，实到：{expected - rnd.randint(0, 3)}人\n记录人：{_name(rnd)}\n")
    body = rnd.choice(OPENINGS) + "。"
    target = rnd.randint(400, 800)
    closing = rnd.choice(CLOSINGS) + "。"
    while len(head) + len(body) + len(closing) < target - 30:
        body += _sentence(rnd)
    return head + body + "\n" + closing


def mutate(rnd, text: str, edits: int) -> str:
    chars = list(text)
    head_end = text.find("\n", text.find("记录人"))
    for _ in range(edits):
        pos = rnd.randint(head_end + 1, len(chars) - 3)
        chars[pos:pos + 2] = list(_word(rnd)[:2])
    return "".join(chars)


def generate(n: int, seed: int = 7, copy_rate: float = 0.01):
    rnd = random.Random(seed)
    docs, planted = [], []
    orgs = max(n // 8, 10)    # ~8 minutes per branch
    for i in range(n):
        org = rnd.randrange(orgs)
        year, quarter = rnd.choice((2024, 2025)), rnd.randint(1, 4)
        order = (year, quarter, i)
        if i > 10 and rnd.random() < copy_rate:
            src = rnd.randrange(i)
            same_org = rnd.random() < 0.3
            if same_org:
                org = docs[src].org
            text = mutate(rnd, docs[src].text, rnd.randint(2, 40))
            order = (docs[src].order[0] + 1, docs[src].order[1], i)
            planted.append((src, i))
        else:
            text = minutes(rnd, year, quarter)
        docs.append(T.Doc(key=i, org=org, order=order, text=text))
    return docs, planted


def pipeline(docs, threshold, boilerplate_orgs):
    t0 = time.perf_counter()
    corpus = T.Corpus(docs, boilerplate_orgs=boilerplate_orgs)
    t1 = time.perf_counter()
    pairs = T.find_copies(corpus, threshold=threshold, min_share=0.0)
    t2 = time.perf_counter()
    return corpus, pairs, t1 - t0, t2 - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--exhaustive-n", type=int, default=20_000)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--boilerplate-orgs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    t = time.perf_counter()
    docs, planted = generate(args.n, args.seed)
    lens = [len(d.text) for d in docs]
    print(f"# generated {len(docs):,} minutes ({min(lens)}–{max(lens)} chars, mean {sum(lens) / len(lens):.0f}), "
          f"{len(planted)} planted copies, in {time.perf_counter() - t:.1f} s")

    corpus, pairs, t_corpus, t_all = pipeline(docs, args.threshold, args.boilerplate_orgs)
    print(f"# corpus + boilerplate discount {t_corpus:.1f} s; "
          f"boilerplate sentence forms: {sum(1 for c in corpus.org_count.values() if c >= args.boilerplate_orgs)}")
    print(f"BENCH txt01_lsh_{args.n // 1000}k {t_all:.1f} s")
    found = {(p.earlier.key, p.later.key) for p in pairs}
    hit = sum(1 for a, b in planted if (a, b) in found)
    print(f"# pairs above {args.threshold}: {len(pairs)}; planted copies found {hit}/{len(planted)}")

    m = args.exhaustive_n
    small = [T.Doc(key=d.key, org=d.org, order=d.order, text=d.text) for d in docs[:m]]
    corpus_s, pairs_s, t_corpus_s, t_lsh = pipeline(small, args.threshold, args.boilerplate_orgs)
    print(f"BENCH txt01_lsh_{m // 1000}k {t_lsh:.2f} s")
    print(f"# of which corpus + boilerplate discount {t_corpus_s:.2f} s, comparison stage {t_lsh - t_corpus_s:.2f} s")
    # Exhaustive: the same corpus and discount (not timed twice: the corpus step is the same code), then every
    # pair's exact Jaccard, then the same rapidfuzz alignment on the pairs above the threshold.
    t0 = time.perf_counter()
    corpus_e = T.Corpus([T.Doc(key=d.key, org=d.org, order=d.order, text=d.text) for d in docs[:m]],
                        boilerplate_orgs=args.boilerplate_orgs)
    t_corpus_e = time.perf_counter() - t0
    judged = [d for d in corpus_e.docs if len(d.content) >= 80]
    hs = [T.shingle_hashes(d.content) for d in judged]
    exact = T.exhaustive_pairs(hs, args.threshold)
    for i, j in exact:
        T.copied_blocks(judged[i].content, judged[j].content)
    t_ex = time.perf_counter() - t0
    print(f"BENCH txt01_exhaustive_{m // 1000}k {t_ex:.1f} s")
    print(f"# of which corpus + boilerplate discount {t_corpus_e:.2f} s, comparison stage {t_ex - t_corpus_e:.1f} s")
    print(f"BENCH txt01_speedup_{m // 1000}k {t_ex / t_lsh:.1f} x")
    print(f"BENCH txt01_speedup_comparison_{m // 1000}k {(t_ex - t_corpus_e) / (t_lsh - t_corpus_s):.1f} x")
    exact_keys = {tuple(sorted((judged[i].key, judged[j].key))) for i, j in exact}
    lsh_keys = {tuple(sorted((p.earlier.key, p.later.key))) for p in pairs_s}
    recall = len(exact_keys & lsh_keys) / len(exact_keys) if exact_keys else 1.0
    print(f"# exhaustive pairs above {args.threshold}: {len(exact_keys)}; LSH pairs {len(lsh_keys)}; "
          f"in both {len(exact_keys & lsh_keys)}")
    print(f"BENCH txt01_recall_{m // 1000}k {recall:.4f} ratio")


if __name__ == "__main__":
    main()

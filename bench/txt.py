#!/usr/bin/env python
"""TXT-01 benchmark: copied minutes over a synthetic corpus (issue 8). See bench/README.md, "TXT-01".

    .venv/bin/python bench/txt.py                                  # 100,000 minutes; exhaustive baselines at 20,000
    .venv/bin/python bench/txt.py --quick                          # --n 20000 --exhaustive-n 5000
    .venv/bin/python bench/txt.py --n 5000 --exhaustive-n 2000     # development size

The corpus (seed fixed) imitates 机关 minutes: a title with the branch's name, the header lines (会议时间/地点/
主持人/应到/实到/缺席/记录人), one of 36 stock openings and 36 closings, and a substance of sentence templates
(学习了…, 传达了…精神, 围绕…进行了讨论, 会议决定…, 党员…发言…) filled with 157 party-building and work phrases,
names, dates, numbers and runs of ordinary words: three quarters drawn from the 40,000 most frequent words of
jieba's bundled dictionary by frequency (Zipf-like: "了", "是", "的" are common), a quarter from 56 work-report
collocations (进一步, 切实, 扎实推进, 工作, 党员干部 …) — so unrelated texts share many 5-character shingles. 400–800 characters. About
1% are planted copies of an earlier minute (another branch's, or the same branch's earlier quarter), of four
kinds: `light` (whole text, 1–3 sentences edited), `renamed` (names, dates and numbers changed), `shuffled`
(sentence order shuffled, 15–25% of the sentences replaced), `partial` (60–80% of the substance copied, the
rest the branch's own).

Measured in one run (`BENCH <name> <value> <unit>` lines, like bench/run.py):

1. `txt01_lsh_<N>k` — the bare TXT-01 pipeline of dangjian/textquality/text.py (corpus sentence frequency
   and boilerplate discount, MinHash LSH, exact Jaccard, rapidfuzz alignment) over all N minutes;
2. `txt01_rule_<N>k` — the rule's own path, `copies.find("meeting", as_of, settings, corpus=T.Corpus(...))`
   with the rule's default settings (cold signature cache), then again warm, then one branch's incremental run;
3. at `--exhaustive-n` minutes (the first ones): the same pipeline (`txt01_lsh_<M>k`) and two exhaustive
   baselines on the same substance (after the same boilerplate discount):
   (a) `txt01_exhaustive_indel_<M>k` — the literal one: every pair compared with the verifier's measure,
       rapidfuzz `process.cdist(..., scorer=Indel.normalized_similarity, score_cutoff=cut, workers=-1)` over
       the upper triangle in row blocks; its pair set is the pairs with similarity ≥ `--indel-cut`. When the
       whole triangle would take longer than `--indel-budget` seconds, random row blocks are timed and the
       total is extrapolated by the number of pairs (printed as such);
   (b) `txt01_exhaustive_jaccard_<M>k` — the strongest exhaustive method we know: the exact Jaccard of every
       pair of shingle sets by sparse matrix products (T.exhaustive_pairs), then the same alignment;
   the speedup of the LSH pipeline against each and its recall of each baseline's pair set.

Needs no database (Django is set up only to import the rule module).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dangjian.textquality import text as T  # noqa: E402

# --- vocabulary ---------------------------------------------------------------------------------------------

PARTY = [
    "习近平新时代中国特色社会主义思想", "党的二十大精神", "党的二十届三中全会精神", "党的二十届四中全会精神",
    "习近平总书记重要讲话精神", "习近平总书记重要指示批示精神", "中央八项规定精神", "全面从严治党",
    "党纪学习教育", "主题教育", "党史学习教育", "模范机关创建", "基层党组织标准化规范化建设", "三会一课",
    "主题党日", "谈心谈话", "民主评议党员", "组织生活会", "党风廉政建设", "意识形态工作", "为民服务解难题",
    "作风建设", "调查研究", "党建和业务深度融合", "发展党员工作", "党费收缴", "批评和自我批评", "廉政风险点",
    "政治理论学习", "理想信念教育", "《中国共产党章程》", "《中国共产党纪律处分条例》", "《关于新形势下党内政治生活的若干准则》",
    "《中国共产党支部工作条例（试行）》", "《中国共产党党员教育管理工作条例》", "《习近平谈治国理政》第四卷",
    "《习近平著作选读》", "新时代党的建设总要求", "两个确立", "四个意识", "四个自信", "两个维护",
    "政治判断力、政治领悟力、政治执行力", "中心组学习", "青年理论学习小组", "清廉机关建设", "整治形式主义为基层减负",
    "过紧日子要求", "意识形态阵地管理", "网络安全和保密工作", "安全生产", "信访维稳", "营商环境优化",
    "政务服务一网通办", "预算绩效管理", "项目资金监管", "机关效能建设", "干部队伍建设", "年轻干部培养",
    "党员先锋岗", "党员示范岗", "志愿服务活动", "结对共建", "双报到", "党建品牌创建", "书记项目",
    "四强党支部创建", "红旗党支部评选", "党员积分管理", "流动党员管理", "困难党员帮扶", "老干部工作",
    "统一战线工作", "工会和共青团工作", "妇女工作", "乡村振兴", "民生实事项目", "重点项目建设", "招商引资",
    "生态环境保护", "文明城市创建", "平安建设", "疫情防控常态化", "防汛抗旱", "森林防火", "巡察反馈问题整改",
    "审计发现问题整改", "主题教育检视问题整改", "年度目标任务", "上半年工作总结", "下半年工作计划",
    "年度述职评议", "党建工作责任制", "一岗双责", "第一种形态", "廉政谈话", "警示教育", "以案促改",
    "身边人身边事", "违反中央八项规定精神典型问题通报", "政治生日", "重温入党誓词", "红色教育基地",
    "党员教育培训", "学习强国", "灯塔在线", "党员干部现代远程教育", "入党积极分子培养", "预备党员转正",
    "党组织换届选举", "支委会议事规则", "请示报告制度", "保密教育", "法治政府建设", "普法宣传",
    "数字化转型", "档案管理", "公文处理", "督查督办", "绩效考核", "服务企业", "服务群众", "基层走访",
    "联系服务群众", "我为群众办实事", "机关作风大整顿", "庸懒散慢拖", "担当作为", "容错纠错",
    "干部考察", "干部监督", "个人有关事项报告", "经济责任审计", "政府采购", "固定资产管理", "办公用房清理",
    "公务用车管理", "公务接待", "差旅费报销", "会议费管理", "培训费管理", "专项资金使用", "惠民惠农资金",
    "安全隐患排查", "应急预案演练", "值班值守", "舆情应对", "群众来信来访", "12345热线办理", "人大代表建议",
    "政协委员提案", "重点课题调研", "调研报告", "工作台账", "问题清单", "责任清单", "任务清单",
]
VERBS = ["学习", "传达", "研究", "部署", "讨论", "落实", "推进", "总结", "通报", "审议", "梳理", "检查",
         "贯彻", "领会", "对照", "查摆", "整改", "谋划", "安排", "督促", "深化", "巩固", "拓展", "压实"]
OPEN_A = ["本次会议由支部书记主持", "会议由支部书记主持召开", "按照年度工作计划", "根据上级党组织工作安排",
          "为深入贯彻落实上级有关部署", "按照机关党委统一要求"]
OPEN_B = ["，全体党员参加", "，支部全体党员和入党积极分子参加", "，应到党员全部参加", "，机关党委派员指导",
          "，支部召开本次会议", "，会议首先学习了上级有关文件精神"]
CLOSE_A = ["会议号召全体党员", "会议要求全体党员", "会议强调", "支部书记在总结讲话中指出", "会议最后强调",
           "会议指出"]
CLOSE_B = ["，要以更加饱满的热情、更加务实的作风，扎实做好各项工作",
           "，要提高政治站位，切实把思想和行动统一到上级决策部署上来",
           "，要以此次会议为契机，推动支部各项工作再上新台阶",
           "，要坚持以党建引领业务，确保全年目标任务圆满完成",
           "，要严守纪律规矩，发挥党员先锋模范作用",
           "，要把学习成果转化为推动工作的实际成效"]
OPENINGS = [a + b for a in OPEN_A for b in OPEN_B]          # 36
CLOSINGS = [a + b for a in CLOSE_A for b in CLOSE_B]        # 36
PLACES = ["三楼会议室", "党员活动室", "二楼小会议室", "五楼党建室", "局机关会议室", "一楼会议室", "四楼第二会议室",
          "党员之家", "六楼视频会议室", "职工书屋"]
MEETINGS = ["支部党员大会", "支部委员会", "党小组会", "党课", "主题党日活动", "专题组织生活会"]
DEPTS = ["财政局", "发展和改革委员会", "教育局", "民政局", "人力资源和社会保障局", "自然资源局", "住房和城乡建设局",
         "交通运输局", "农业农村局", "商务局", "文化广电旅游局", "卫生健康委员会", "应急管理局", "审计局",
         "市场监督管理局", "统计局", "医疗保障局", "信访局", "机关事务管理局", "档案馆", "司法局", "科学技术局",
         "生态环境局", "水利局", "退役军人事务局", "林业局", "体育局", "行政审批服务局"]
CITIES = ["东城", "西城", "南湖", "北山", "青河", "临江", "安平", "长宁", "永和", "新华", "城关", "平阳"]
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = "建国华明伟芳娜敏静丽强磊军洋勇艳杰娟涛超秀英霞平刚桂兰文辉力红宇鹏飞鑫波斌宁浩凯晨琳雪梅玉海峰燕倩婷"
NUMERALS = "一二三四五六七八九十"
ABSENCE = ["出差", "病假", "公务外出", "参加培训", "事假", "下乡调研"]
# Work-report collocations mixed into the ordinary wording (a quarter of its tokens).
STOCK_WORDS = ["进一步", "切实", "认真贯彻落实", "扎实推进", "不断提高", "持续深化", "全面加强", "着力解决", "深入开展",
               "严格落实", "有效提升", "牢固树立", "始终坚持", "充分发挥", "积极营造", "统筹推进", "认真做好", "大力推进",
               "工作", "党员干部", "支部", "群众", "问题", "责任", "机制", "制度", "质量", "水平", "能力", "作用",
               "意识", "成效", "实效", "要求", "任务", "目标", "措施", "落实", "推动", "加强", "提升", "服务", "发展",
               "建设", "管理", "学习", "教育", "思想", "政治", "组织", "纪律", "作风", "廉洁", "业务", "基层", "单位"]

_CJK = re.compile(r"^[\u4e00-\u9fff]{1,4}$")


def load_words(limit: int = 40_000) -> tuple[list[str], np.ndarray]:
    """The `limit` most frequent all-Chinese words of jieba's bundled dictionary and their probabilities."""
    import jieba

    rows = []
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and _CJK.match(parts[0]):
                rows.append((int(parts[1]), parts[0]))
    rows.sort(key=lambda r: -r[0])
    rows = rows[:limit]
    freq = np.array([f for f, _ in rows], dtype=np.float64)
    return [w for _, w in rows], freq / freq.sum()


class Writer:
    """Draws the parts of minutes. A sentence is a list of (tag, text) segments: tag "N" name, "D" date,
    "K" number, "W" ordinary words, "" fixed wording — so that a copier can change names/dates/numbers."""

    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.words, self.p = load_words()
        self._stream = np.zeros(0, dtype=np.int32)
        self._pos = 0
        self.templates = [
            lambda: [("", "会议传达学习了"), ("", self.party()), ("", "，"), ("W", self.filler())],
            lambda: [("N", self.name()), ("", "同志领学了"), ("", self.party()), ("", "，并结合"), ("W", self.filler()),
                     ("", "谈了体会")],
            lambda: [("", "会议围绕"), ("", self.party()), ("", "进行了讨论，大家一致认为"), ("W", self.filler())],
            lambda: [("", "会议决定"), ("W", self.filler()), ("", "，由"), ("N", self.name()), ("", "同志负责，"),
                     ("D", self.date()), ("", "前完成")],
            lambda: [("", "党员"), ("N", self.name()), ("", "发言，表示"), ("W", self.filler()), ("", "，要"),
                     ("", self.rnd.choice(VERBS)), ("", self.party())],
            lambda: [("N", self.name()), ("", "指出，"), ("W", self.filler()), ("", "，要"), ("", self.rnd.choice(VERBS)),
                     ("", self.party())],
            lambda: [("", "截至"), ("D", self.date()), ("", "，支部共有党员"), ("K", str(self.rnd.randint(5, 60))),
                     ("", "名，"), ("W", self.filler())],
            lambda: [("", "会议审议了"), ("W", self.filler()), ("", "的有关事项")],
            lambda: [("", "下一步，支部将"), ("", self.rnd.choice(VERBS)), ("", self.party()), ("", "，"),
                     ("W", self.filler())],
            lambda: [("", "针对"), ("W", self.filler()), ("", "的问题，会议提出"), ("K", str(self.rnd.randint(2, 9))),
                     ("", "条整改措施")],
            lambda: [("", "本季度支部共开展"), ("", self.party()), ("", "活动"), ("K", str(self.rnd.randint(1, 6))),
                     ("", "次，参与党员"), ("K", str(self.rnd.randint(8, 120))), ("", "人次")],
            lambda: [("", "会议传达了"), ("", self.party()), ("", "，"), ("W", self.filler())],
            lambda: [("", "大家结合"), ("", self.party()), ("", "，围绕"), ("W", self.filler()), ("", "畅谈了认识")],
            lambda: [("", "会议通报了"), ("D", self.date()), ("", "以来"), ("", self.party()), ("", "情况，"),
                     ("W", self.filler())],
            lambda: [("", self.rnd.choice(VERBS)), ("", self.party()), ("", "和"), ("", self.party()), ("", "，"),
                     ("W", self.filler())],
            lambda: [("W", self.filler()), ("", "，"), ("W", self.filler())],
            lambda: [("", "经表决，"), ("K", str(self.rnd.randint(5, 40))), ("", "名有表决权的党员全部同意"),
                     ("W", self.filler())],
            lambda: [("", "支部书记"), ("N", self.name()), ("", "就"), ("", self.party()), ("", "作了部署，要求"),
                     ("W", self.filler())],
        ]

    # pieces
    def word_ids(self, k: int) -> np.ndarray:
        if self._pos + k > len(self._stream):
            self._stream = self.np.choice(len(self.words), size=1_000_000, p=self.p).astype(np.int32)
            self._pos = 0
        out = self._stream[self._pos:self._pos + k]
        self._pos += k
        return out

    def filler(self) -> str:
        r = self.rnd
        return "".join(r.choice(STOCK_WORDS) if r.random() < 0.25 else self.words[i]
                       for i in self.word_ids(r.randint(3, 9)))

    def party(self) -> str:
        return self.rnd.choice(PARTY)

    def name(self) -> str:
        r = self.rnd
        return r.choice(SURNAMES) + r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.6 else "")

    def date(self) -> str:
        r = self.rnd
        return f"{r.choice((2024, 2025, 2026))}年{r.randint(1, 12)}月{r.randint(1, 28)}日"

    def sentence(self) -> list[tuple[str, str]]:
        return self.rnd.choice(self.templates)()

    # a whole minute
    def header(self, org: int, year: int, quarter: int) -> str:
        r = self.rnd
        city, dept = CITIES[org % len(CITIES)], DEPTS[(org // len(CITIES)) % len(DEPTS)]
        branch = f"{city}区{dept}机关第{NUMERALS[org % 9]}党支部" if org % 3 else f"{city}区{dept}{NUMERALS[org % 7]}科党支部"
        month = (quarter - 1) * 3 + r.randint(1, 3)
        expected = r.randint(6, 30)
        absent = r.randint(0, 3)
        miss = ("无" if not absent else "，".join(f"{self.name()}（{r.choice(ABSENCE)}）" for _ in range(absent)))
        t = r.choice(("会议时间", "时间"))
        p = r.choice(("会议地点", "地点"))
        return (f"{branch}{year}年第{NUMERALS[quarter - 1]}季度{r.choice(MEETINGS)}记录\n"
                f"{t}：{year}年{month}月{r.randint(1, 28)}日{r.choice(('上午', '下午', ''))}\n"
                f"{p}：{r.choice(PLACES)}\n主持人：{self.name()}\n"
                f"应到：{expected}人，实到：{expected - absent}人\n缺席：{miss}\n记录人：{self.name()}\n")

    def body(self, chars: int) -> list[list[tuple[str, str]]]:
        out, n = [], 0
        while n < chars:
            s = self.sentence()
            out.append(s)
            n += sum(len(t) for _, t in s) + 1
        return out

    def render(self, org, year, quarter, body) -> str:
        r = self.rnd
        lines, para = [], []
        for s in body:
            para.append("".join(t for _, t in s) + "。")
            if r.random() < 0.25:
                lines.append("".join(para))
                para = []
        if para:
            lines.append("".join(para))
        return (self.header(org, year, quarter) + r.choice(OPENINGS) + "。\n" + "\n".join(lines) + "\n"
                + r.choice(CLOSINGS) + "。")

    # copies
    def redraw(self, seg: tuple[str, str]) -> tuple[str, str]:
        tag, text = seg
        if tag == "N":
            return tag, self.name()
        if tag == "D":
            return tag, self.date()
        if tag == "K":
            return tag, str(self.rnd.randint(1, 99))
        return seg

    def copy_body(self, kind: str, src: list) -> list:
        r = self.rnd
        body = [list(s) for s in src]
        if kind == "light":
            for _ in range(r.randint(1, 3)):
                s = r.choice(body)
                ws = [k for k, (tag, _) in enumerate(s) if tag == "W"]
                if ws:
                    s[r.choice(ws)] = ("W", self.filler())
                else:
                    s.append(("W", self.filler()))
        elif kind == "renamed":
            body = [[self.redraw(seg) for seg in s] for s in body]
            s = r.choice(body)
            s.append(("W", self.filler()))
        elif kind == "shuffled":
            r.shuffle(body)
            for k in r.sample(range(len(body)), max(1, round(len(body) * r.uniform(0.15, 0.25)))):
                body[k] = self.sentence()
        else:   # partial: 60–80 % of the substance copied, the rest the branch's own
            share = r.uniform(0.6, 0.8)
            start = r.randrange(len(body))
            rot = body[start:] + body[:start]
            kept, chars = [], 0
            total = sum(sum(len(t) for _, t in s) for s in body)
            for s in rot:
                if chars >= share * total:
                    break
                kept.append(s)
                chars += sum(len(t) for _, t in s)
            own = self.body(int(chars * (1 - share) / share))
            for s in own:
                kept.insert(r.randint(0, len(kept)), s)
            body = kept
        return body


KINDS = ("light", "renamed", "shuffled", "partial")


def generate(n: int, seed: int = 7, copy_rate: float = 0.01):
    """(docs, planted): N minutes as T.Doc (key = index), and the planted (source, copy, kind) triples."""
    w = Writer(seed)
    r = random.Random(seed + 1)
    orgs = max(n // 8, 10)                  # ~8 minutes per branch
    plan = {}
    for i in range(50, n):
        if r.random() < copy_rate:
            plan[i] = (KINDS[len(plan) % 4], r.randrange(i))
    sources = {s for _, s in plan.values()}
    kept: dict[int, tuple] = {}
    docs, planted = [], []
    for i in range(n):
        if i in plan:
            kind, src = plan[i]
            s_org, s_year, s_quarter, s_body = kept[src]
            if r.random() < 0.4:            # the same branch's earlier quarter
                org = s_org
                year, quarter = (s_year, s_quarter + 1) if s_quarter < 4 else (s_year + 1, 1)
            else:
                org = r.randrange(orgs)
                year, quarter = s_year, s_quarter
            body = w.copy_body(kind, s_body)
            planted.append((src, i, kind))
        else:
            org, year, quarter = r.randrange(orgs), r.choice((2024, 2025)), r.randint(1, 4)
            body = w.body(r.randint(400, 800) - 190)
        text = w.render(org, year, quarter, body)
        if i in sources:
            kept[i] = (org, year, quarter, body)
        docs.append(T.Doc(key=i, org=org, order=(year, quarter, i), text=text))
    return docs, planted


# --- measurements ---------------------------------------------------------------------------------------------

def bench(name: str, value: float, unit: str, fmt: str = "{:.2f}") -> None:
    print(f"BENCH {name} {fmt.format(value)} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def fresh(docs):
    return [T.Doc(key=d.key, org=d.org, order=d.order, text=d.text) for d in docs]


def pipeline(docs, threshold, boilerplate_orgs):
    t0 = time.perf_counter()
    corpus = T.Corpus(fresh(docs), boilerplate_orgs=boilerplate_orgs)
    t1 = time.perf_counter()
    pairs = T.find_copies(corpus, threshold=threshold, min_share=0.0)
    t2 = time.perf_counter()
    return corpus, pairs, t1 - t0, t2 - t1


def unrelated_similarity(corpus, pairs_to_skip, rnd, k=2000):
    """Mean / p99 / max of the 5-shingle Jaccard and rapidfuzz Indel similarity of k random pairs."""
    from rapidfuzz.distance import Indel

    docs = [d for d in corpus.docs if len(d.content) >= 80]
    jac_sub, jac_full, ind = [], [], []
    full = {}
    while len(jac_sub) < k:
        a, b = rnd.sample(range(len(docs)), 2)
        da, db = docs[a], docs[b]
        if tuple(sorted((da.key, db.key))) in pairs_to_skip:
            continue
        jac_sub.append(T.jaccard(T.shingle_hashes(da.content), T.shingle_hashes(db.content)))
        for d in (da, db):
            if d.key not in full:
                full[d.key] = T.shingle_hashes(T.normalise(d.text))
        jac_full.append(T.jaccard(full[da.key], full[db.key]))
        ind.append(Indel.normalized_similarity(da.content, db.content))
    out = {}
    for name, xs in (("jaccard_substance", jac_sub), ("jaccard_whole_text", jac_full), ("indel_substance", ind)):
        xs = np.array(xs)
        out[name] = (xs.mean(), np.percentile(xs, 99), xs.max())
    return out


def indel_exhaustive(contents, cut, block, budget, rnd):
    """Baseline (a): rapidfuzz cdist of every pair (upper triangle, row blocks). Returns (seconds, pairs,
    rows covered, extrapolated?, pairs compared)."""
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    n = len(contents)
    starts = list(range(0, n, block))
    cells = {s: min(block, n - s) * (n - s) - min(block, n - s) * (min(block, n - s) + 1) // 2 for s in starts}
    total_cells = sum(cells.values())       # = n(n-1)/2

    def run(s):
        rows = contents[s:s + block]
        m = process.cdist(rows, contents[s:], scorer=Indel.normalized_similarity, score_cutoff=cut,
                          workers=-1, dtype=np.float32)
        i, j = np.nonzero(m >= cut)
        keep = j > i
        return set(zip((i[keep] + s).tolist(), (j[keep] + s).tolist()))

    # probe: one block from the middle of the triangle
    order = starts[:]
    rnd.shuffle(order)
    done, pairs, spent, compared = [], set(), 0.0, 0
    t0 = time.perf_counter()
    pairs |= run(order[0])
    spent = time.perf_counter() - t0
    compared = cells[order[0]]
    done.append(order[0])
    estimate = spent / compared * total_cells
    sampled = estimate > budget
    for s in order[1:]:
        if sampled and spent >= budget / 3:
            break
        t0 = time.perf_counter()
        pairs |= run(s)
        spent += time.perf_counter() - t0
        compared += cells[s]
        done.append(s)
    seconds = spent if not sampled else spent / compared * total_cells
    rows = set()
    for s in done:
        rows.update(range(s, min(s + block, n)))
    return seconds, pairs, rows, sampled, compared, total_cells


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--exhaustive-n", type=int, default=20_000)
    ap.add_argument("--quick", action="store_true", help="--n 20000 --exhaustive-n 5000")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--boilerplate-orgs", type=int, default=4)
    ap.add_argument("--indel-cut", type=float, default=0.5,
                    help="baseline (a): pairs whose Indel normalised similarity of the substance is at least this")
    ap.add_argument("--indel-block", type=int, default=250)
    ap.add_argument("--indel-budget", type=float, default=600.0,
                    help="seconds; beyond this baseline (a) is sampled (for a third of it) and extrapolated")
    ap.add_argument("--skip-rule", action="store_true", help="do not time the rule's path")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.quick:
        args.n, args.exhaustive_n = 20_000, 5_000
    nk, mk = f"{args.n // 1000}k", f"{args.exhaustive_n // 1000}k"
    note(f"load average at start: {open('/proc/loadavg').read().strip()}; {os.cpu_count()} CPUs")

    t = time.perf_counter()
    docs, planted = generate(args.n, args.seed)
    lens = [len(d.text) for d in docs]
    kinds = {k: sum(1 for *_, kk in planted if kk == k) for k in KINDS}
    note(f"generated {len(docs):,} minutes ({min(lens)}–{max(lens)} chars, mean {sum(lens) / len(lens):.0f}), "
         f"{len(planted)} planted copies {kinds}, in {time.perf_counter() - t:.1f} s")
    note("sample minute:\n#   " + docs[1].text.replace("\n", "\n#   "))

    # 1. the bare pipeline over all N
    corpus, pairs, t_corpus, t_cmp = pipeline(docs, args.threshold, args.boilerplate_orgs)
    judged = sum(1 for d in corpus.docs if len(d.content) >= 80)
    subst = np.mean([len(d.content) for d in corpus.docs])
    note(f"corpus + boilerplate discount {t_corpus:.1f} s, comparison stage {t_cmp:.1f} s; boilerplate sentence "
         f"forms: {sum(1 for c in corpus.org_count.values() if c >= args.boilerplate_orgs):,}; mean substance "
         f"{subst:.0f} chars; {judged:,} texts with ≥ 80 chars of substance")
    bench(f"txt01_lsh_{nk}", t_corpus + t_cmp, "s", "{:.1f}")
    found = {(p.earlier.key, p.later.key): p for p in pairs}
    note(f"pairs with Jaccard ≥ {args.threshold}: {len(pairs):,}; with copied share ≥ 0.5 as well: "
         f"{sum(1 for p in pairs if p.copied_share >= 0.5):,}")
    for k in KINDS:
        mine = [(a, b) for a, b, kk in planted if kk == k]
        hit = [found[ab] for ab in mine if ab in found]
        # a planted pair not reported: below the threshold by construction, or missed by the LSH?
        miss = [T.jaccard(T.shingle_hashes(corpus.docs[a].content), T.shingle_hashes(corpus.docs[b].content))
                for a, b in mine if (a, b) not in found]
        note(f"  planted {k:8s}: found {len(hit)}/{len(mine)}"
             + (f" (Jaccard {min(p.jaccard for p in hit):.2f}–{max(p.jaccard for p in hit):.2f}, copied share "
                f"{min(p.copied_share for p in hit):.2f}–{max(p.copied_share for p in hit):.2f})" if hit else "")
             + (f"; not reported: {len(miss)}, Jaccard {min(miss):.2f}–{max(miss):.2f}, "
                f"{sum(1 for j in miss if j >= args.threshold)} of them ≥ {args.threshold} (missed by the LSH)"
                if miss else ""))
    del corpus, pairs, found

    # 2. the rule's own path
    if not args.skip_rule:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
        import django

        django.setup()
        from dangjian.core import engine
        from dangjian.textquality import copies

        settings = {k: engine.registry.settings[k].default for k in copies.SETTINGS}
        as_of = dt.date(2026, 11, 26)
        rdocs = [T.Doc(key=("meeting", d.key), org=d.org, order=d.order, text=d.text) for d in docs]
        copies._SIGNATURES.clear()
        t0 = time.perf_counter()
        rc = T.Corpus(rdocs, boilerplate_orgs=int(settings["txt01_boilerplate_orgs"]))
        t1 = time.perf_counter()
        rpairs = copies.find("meeting", as_of, settings, corpus=rc)
        t2 = time.perf_counter()
        best = copies.best_sources(rpairs)
        note(f"rule path (settings {settings}): corpus {t1 - t0:.1f} s, find {t2 - t1:.1f} s (cold signature "
             f"cache); {len(rpairs):,} pairs, {len(best):,} findings")
        bench(f"txt01_rule_{nk}", t2 - t0, "s", "{:.1f}")
        rc2 = T.Corpus(fresh(rdocs), boilerplate_orgs=int(settings["txt01_boilerplate_orgs"]))
        t3 = time.perf_counter()
        copies.find("meeting", as_of, settings, corpus=rc2)
        t4 = time.perf_counter()
        bench(f"txt01_rule_warm_find_{nk}", t4 - t3, "s", "{:.1f}")
        org = docs[planted[0][1]].org if planted else docs[0].org
        t5 = time.perf_counter()
        inc = copies.find("meeting", as_of, settings, org_ids={org}, corpus=rc2)
        t6 = time.perf_counter()
        note(f"incremental: one branch ({sum(1 for d in rdocs if d.org == org)} minutes), warm cache, corpus "
             f"given: {len(inc)} pairs")
        bench(f"txt01_rule_incremental_find_{nk}", t6 - t5, "s", "{:.2f}")
        del rc, rc2, rpairs, rdocs

    # 3. exhaustive baselines at M documents
    m = args.exhaustive_n
    small = docs[:m]
    corpus_s, pairs_s, tc_s, tp_s = pipeline(small, args.threshold, args.boilerplate_orgs)
    t_lsh = tc_s + tp_s
    bench(f"txt01_lsh_{mk}", t_lsh, "s")
    note(f"of which corpus + boilerplate discount {tc_s:.2f} s, comparison stage {tp_s:.2f} s")
    lsh_keys = {tuple(sorted((p.earlier.key, p.later.key))) for p in pairs_s}
    planted_keys = {(a, b) for a, b, _ in planted if b < m}
    judged = [d for d in corpus_s.docs if len(d.content) >= 80]
    contents = [d.content for d in judged]
    keys = [d.key for d in judged]

    sig = T.content_signatures(contents)
    bands, rows = T.band_params(args.threshold * 0.7)
    cand = T.lsh_candidates(sig, bands, rows)
    note(f"LSH at {m:,}: {bands} bands × {rows} rows, {len(cand):,} candidate pairs "
         f"({len(cand) / (len(contents) * (len(contents) - 1) / 2):.2e} of all pairs)")
    sims = unrelated_similarity(corpus_s, planted_keys, random.Random(args.seed))
    for name, (mean, p99, mx) in sims.items():
        note(f"unrelated random pairs (2,000), {name}: mean {mean:.3f}, p99 {p99:.3f}, max {mx:.3f}")
    bench("txt01_unrelated_jaccard_p99", sims["jaccard_substance"][1], "ratio", "{:.3f}")
    hs = [T.shingle_hashes(c) for c in contents]
    allh = np.concatenate(hs)
    _, df = np.unique(allh, return_counts=True)
    note(f"distinct substance shingles {len(df):,}; in ≥ 2 texts {np.mean(df >= 2):.1%}, in ≥ 1% of texts "
         f"{int(np.sum(df >= len(contents) / 100)):,}; shingle occurrences in shingles shared by ≥ 1% of texts "
         f"{df[df >= len(contents) / 100].sum() / df.sum():.1%}")

    # (b) exact Jaccard of every pair by sparse products, then the same alignment
    t0 = time.perf_counter()
    hs = [T.shingle_hashes(c) for c in contents]
    exact = T.exhaustive_pairs(hs, args.threshold)
    for i, j in exact:
        T.copied_blocks(contents[i], contents[j])
    t_b = time.perf_counter() - t0
    bench(f"txt01_exhaustive_jaccard_{mk}", tc_s + t_b, "s", "{:.1f}")
    note(f"of which comparison stage {t_b:.1f} s (the corpus stage is the LSH run's {tc_s:.2f} s)")
    exact_keys = {tuple(sorted((keys[i], keys[j]))) for i, j in exact}
    both = exact_keys & lsh_keys
    bench(f"txt01_speedup_jaccard_{mk}", (tc_s + t_b) / t_lsh, "x", "{:.1f}")
    bench(f"txt01_speedup_jaccard_comparison_{mk}", t_b / tp_s, "x", "{:.1f}")
    note(f"(b) pairs with Jaccard ≥ {args.threshold}: {len(exact_keys)}; LSH pairs {len(lsh_keys)}; in both "
         f"{len(both)}; planted among (b): {len(exact_keys & planted_keys)}/{len(planted_keys)}")
    bench(f"txt01_recall_jaccard_{mk}", len(both) / len(exact_keys) if exact_keys else 1.0, "ratio", "{:.4f}")

    # (a) the literal one: the verifier's similarity for every pair
    secs, ind_pairs, covered, sampled, compared, total = indel_exhaustive(
        contents, args.indel_cut, args.indel_block, args.indel_budget, random.Random(args.seed))
    ind_keys = {tuple(sorted((keys[i], keys[j]))) for i, j in ind_pairs}
    t0 = time.perf_counter()
    for i, j in ind_pairs:
        T.copied_blocks(contents[i], contents[j])
    t_align = time.perf_counter() - t0
    if sampled:
        t_align *= total / compared
        note(f"(a) EXTRAPOLATED: cdist over {compared:,} of the {total:,} pairs ({compared / total:.1%}, "
             f"{len(covered):,} row texts in random blocks of {args.indel_block}) took "
             f"{secs * compared / total:.1f} s → {secs:.0f} s for all pairs")
    else:
        note(f"(a) measured over all {total:,} pairs")
    t_a = secs + t_align
    bench(f"txt01_exhaustive_indel_{mk}", tc_s + t_a, "s", "{:.0f}")
    bench(f"txt01_speedup_indel_{mk}", (tc_s + t_a) / t_lsh, "x", "{:.0f}")
    bench(f"txt01_speedup_indel_comparison_{mk}", t_a / tp_s, "x", "{:.0f}")
    # recall against (a), over the pairs (a) looked at: those whose earlier index lies in the covered rows
    pos = {k: i for i, k in enumerate(keys)}
    lsh_cov = {k for k in lsh_keys if min(pos[k[0]], pos[k[1]]) in covered}
    both_a = ind_keys & lsh_keys
    missed = ind_keys - lsh_keys
    low_j = sum(1 for a, b in missed
                if T.jaccard(hs[pos[a]], hs[pos[b]]) < args.threshold)
    note(f"(a) pairs with Indel similarity ≥ {args.indel_cut}: {len(ind_keys)}; LSH pairs in the same rows "
         f"{len(lsh_cov)}; in both {len(both_a)}; of the {len(missed)} (a) pairs the LSH did not report, "
         f"{low_j} have Jaccard < {args.threshold} (outside the rule's definition), {len(missed) - low_j} were "
         f"missed by the LSH; LSH pairs (a) did not find: {len(lsh_cov - ind_keys)}")
    bench(f"txt01_recall_indel_{mk}", len(both_a) / len(ind_keys) if ind_keys else 1.0, "ratio", "{:.4f}")
    within = [k for k in ind_keys if T.jaccard(hs[pos[k[0]]], hs[pos[k[1]]]) >= args.threshold]
    bench(f"txt01_recall_indel_jaccard_ok_{mk}",
          sum(1 for k in within if k in lsh_keys) / len(within) if within else 1.0, "ratio", "{:.4f}")
    note(f"load average at end: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()

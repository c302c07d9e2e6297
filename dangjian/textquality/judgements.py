"""TXT-02, TXT-03, TXT-04: texts that say nothing or are not what they claim to be (issue 8).

* TXT-02 — a 组织生活会/民主生活会 whose critiques are mostly generic: a critique is concrete when it names what can be
  checked (a time, a count, an occasion, a behaviour, an act done to a named object — `lexicon.CONCRETE_*`,
  `lexicon.ACTS`/`OBJECTS`, an incident told by two of its markers — the member's own piece of work, a perfective
  verb, what others did afterwards — `lexicon.INCIDENT_PATTERNS`, weighted; slogans and generalities count nothing);
  the meeting is a finding
  when the generic share reaches a setting. Each generic critique is named in the message.
* TXT-03 — a 书记抓基层党建工作述职报告 dominated by business work: every sentence is party building, business work or
  neither (the heavier of its `PARTY_PHRASES` / `BUSINESS_PHRASES`; a business-heavy sentence tying named party
  organisation or members to the work counts as party building; party slogans such as "以党建为引领", "党旗飘扬"
  weigh nothing); the party-building share of the classified
  text (by characters) below a setting is a finding, with the sentences that decided it.
* TXT-04 — a 主题党日 that is not a party activity: the topic (counted twice) and each sentence of the minutes are
  a party activity (study, party education, service, party affairs such as admissions and elections, joint work with
  another party organisation), an outing / sports or union event / business training or work, or neither (the
  record's header lines are skipped; training given to the public, or members helping people, under a party service
  mechanism is service to the people); a party share below a
  setting is a finding naming the words that marked it.

The judging functions are pure (text in, verdict with evidence out): the engine rules, `dangjian textcheck` and
the evaluation (`evaluation/`, `tests/test_judgements_evaluation.py`) call the same ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from dangjian.core import engine
from dangjian.core.engine import Hit, rule

from . import lexicon as lx

engine.setting("txt_critique_generic_percent", 60,
               "批评意见中空泛意见占比达到多少（%）视为批评意见空泛（TXT-02）", rules=("TXT-02",))
engine.setting("txt_critique_concrete_min", 2,
               "一条批评意见的具体事实标记（时间、次数、场合、行为）合计分值达到多少算具体（TXT-02）", rules=("TXT-02",))
engine.setting("txt_duty_party_percent", 40, "述职报告中党建内容占比低于多少（%）视为业务工作为主（TXT-03）",
               rules=("TXT-03",))
engine.setting("txt_theme_day_party_percent", 50, "主题党日中党的活动内容占比低于多少（%）视为不是党的活动（TXT-04）",
               rules=("TXT-04",))

DEFAULTS = {"txt_critique_generic_percent": 60, "txt_critique_concrete_min": 2, "txt_duty_party_percent": 40,
            "txt_theme_day_party_percent": 50}
# A 述职报告 with less classified text than this says too little to be judged either way.
MIN_DUTY_CHARS = 60

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def sentences(text: str) -> list[str]:
    """Sentences of a Chinese text (split after 。！？； and line breaks), stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s.strip()]


def _short(text: str, n: int = 28) -> str:
    text = re.sub(r"\s+", "", text)
    return text if len(text) <= n else text[:n] + "…"


def _quote(words) -> str:
    seen: list[str] = []
    for w in words:
        if w not in seen:
            seen.append(w)
    return "、".join(f"“{w}”" for w in seen)


# --- TXT-02 --------------------------------------------------------------------------------------------
CRITIQUE_TABLE = lx.combine(concrete=lx.CONCRETE_PHRASES, generic=lx.GENERIC_PHRASES)
ACT_TABLE = lx.combine(act=dict.fromkeys(lx.ACTS, 0.0), object=dict.fromkeys(lx.OBJECTS, 0.0))
ACT_PATTERNS = tuple((p.pattern, "act", p, 0.0) for p in lx.ACT_PATTERNS)
# An act on an object, once per critique, weighs as much as a date: enough on its own at the default setting.
ACT_OBJECT_WEIGHT = 2.0
_CLAUSE_END = re.compile(r"[，,。；;：:！？!?]")


def _clause_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _CLAUSE_END.finditer(text)]


@dataclass
class CritiqueVerdict:
    text: str
    concrete: list[lx.Match]
    generic: list[lx.Match]
    score: float
    act_object: tuple[str, str] | None = None     # the act and the object/scene it was done to
    generalised: list[str] = field(default_factory=list)   # behaviour words discounted as a generality

    @property
    def is_generic(self) -> bool:
        return not self.is_concrete

    is_concrete: bool = False

    def why(self) -> str:
        if self.is_concrete:
            parts = []
            if self.act_object:
                parts.append(f"行为“{self.act_object[0]}”（对象“{self.act_object[1]}”）")
            rest = _quote(m.phrase for m in self.concrete if m.label != "行为+对象")
            return "具体：" + "、".join(x for x in parts + [rest] if x)
        tail = f"（“{'”“'.join(self.generalised)}”说的是一种现象，不是发生的事）" if self.generalised else ""
        if self.generic:
            return ("空泛：" + _quote(m.phrase for m in self.generic if m.weight >= 1) or "空泛") + tail
        return "空泛：没有具体的事实、时间、事件或行为" + tail


def _act_on_object(text: str, starts: list[int], general: set[int]) -> tuple[str, str] | None:
    """The first act that has an object or scene in its own or an adjacent clause (generalities excepted)."""
    def clause(pos: int) -> int:
        return max(i for i, s in enumerate(starts) if s <= pos)

    found = lx.find(text, ACT_TABLE, ACT_PATTERNS)
    acts = [(clause(m.start), m.phrase) for m in found if m.kind == "act"]
    objects = [(clause(m.start), m.phrase) for m in found if m.kind == "object"]
    for ci, act in acts:
        if ci in general:
            continue
        for cj, obj in objects:
            if abs(ci - cj) <= 1 and cj not in general:
                return act, obj
    return None


def judge_critique(text: str, concrete_min: float = DEFAULTS["txt_critique_concrete_min"]) -> CritiqueVerdict:
    """Concrete when its markers reach `concrete_min`: a time, a count, a named item, an occasion, a behaviour one can
    witness, or an act done to an object or in a scene ("在处理群众来信时推诿给其他处室"). A behaviour named as a
    phenomenon ("迟到早退现象时有发生") is a generality and counts nothing; numbered slogans ("四个意识") are no count."""
    text = text or ""
    found = lx.find(text, CRITIQUE_TABLE, lx.CONCRETE_PATTERNS + lx.INCIDENT_PATTERNS)
    starts = _clause_starts(text)
    general = {i for i, s in enumerate(starts)
               if lx.GENERALITY.search(text[s:starts[i + 1] if i + 1 < len(starts) else len(text)])}

    def in_general(m: lx.Match) -> bool:
        return max(i for i, s in enumerate(starts) if s <= m.start) in general

    concrete, generalised, once = [], [], set()
    for m in found:
        if m.kind != "concrete":
            continue
        if (m.label in lx.CONCRETE_PHRASES or m.label in lx.INCIDENT_ONCE) and in_general(m):
            generalised.append(m.phrase)
            continue
        if m.label in lx.INCIDENT_ONCE:     # an incident's markers count once each: two kinds together tell what happened
            if m.label in once:
                continue
            once.add(m.label)
        concrete.append(m)
    act_object = _act_on_object(text, starts, general)
    if act_object:
        concrete.append(lx.Match(f"{act_object[0]}…{act_object[1]}", "行为+对象", "concrete", ACT_OBJECT_WEIGHT, 0, 0))
    score = sum(m.weight for m in concrete)
    v = CritiqueVerdict(text=text, concrete=concrete, generic=[m for m in found if m.kind == "generic"], score=score,
                        act_object=act_object, generalised=generalised)
    v.is_concrete = score >= concrete_min
    return v


@dataclass
class CritiquesVerdict:
    critiques: list[CritiqueVerdict]
    percent: int          # generic share, whole percent
    threshold: int
    hit: bool

    @property
    def generic(self) -> list[tuple[int, CritiqueVerdict]]:
        return [(i, c) for i, c in enumerate(self.critiques, 1) if c.is_generic]

    def message(self, labels: list[str] | None = None) -> str:
        n, g = len(self.critiques), len(self.generic)
        head = (f"批评意见{'空泛' if self.hit else ''}：{n}条中{g}条（{self.percent}%，"
                f"{'不低于' if self.hit else '低于'}{self.threshold}%）没有具体的事实、时间、事件或行为")
        items = []
        for i, c in self.generic:
            who = f"（{labels[i - 1]}）" if labels and labels[i - 1] else ""
            items.append(f"第{i}条{who}“{_short(c.text)}”")
        return head + ("：" + "；".join(items) if items else "")


def judge_critiques(texts: list[str], settings: dict | None = None) -> CritiquesVerdict:
    s = {**DEFAULTS, **(settings or {})}
    verdicts = [judge_critique(t, float(s["txt_critique_concrete_min"])) for t in texts if (t or "").strip()]
    threshold = int(s["txt_critique_generic_percent"])
    if not verdicts:
        return CritiquesVerdict([], 0, threshold, False)
    generic = sum(1 for v in verdicts if v.is_generic)
    percent = round(100 * generic / len(verdicts))
    return CritiquesVerdict(verdicts, percent, threshold, percent >= threshold)   # on the percent the message shows


# --- TXT-03 --------------------------------------------------------------------------------------------
DUTY_TABLE = lx.combine(neutral=lx.DUTY_NEUTRAL_PHRASES, party=lx.PARTY_PHRASES, business=lx.BUSINESS_PHRASES)


@dataclass
class SentenceVerdict:
    text: str
    kind: str            # "party" | "integrated" (party work tied to business) | "business" | "neutral"
    party: float
    business: float
    matches: list[lx.Match] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)     # the words that tie party work to business

    @property
    def counts_as_party(self) -> bool:
        return self.kind in ("party", "integrated")


def classify_duty_sentence(text: str) -> SentenceVerdict:
    """The heavier of its party-building and business words; a business-heavy sentence that ties named party
    organisation or members to the work (`lexicon.INTEGRATION`) is "integrated" and counts as party building."""
    found = lx.find(text, DUTY_TABLE, lx.DUTY_PATTERNS + lx.BUSINESS_PATTERNS)
    p = sum(m.weight for m in found if m.kind == "party")
    b = sum(m.weight for m in found if m.kind == "business")
    kind = "party" if p > b else "business" if b > p else "neutral"
    ties = [m for m in lx.INTEGRATION.finditer(text)]
    if kind != "party" and ties:
        outside = sum(m.weight for m in found if m.kind == "party"
                      and all(m.end <= t.start() or m.start >= t.end() for t in ties))
        if outside >= lx.INTEGRATION_PARTY_MIN:
            kind = "integrated"
    return SentenceVerdict(text, kind, p, b, found, [t.group(0) for t in ties])


@dataclass
class DutyVerdict:
    sentences: list[SentenceVerdict]
    party_chars: int
    business_chars: int
    percent: int | None   # None: too little classified text to judge
    threshold: int
    hit: bool

    def deciding(self, kind: str, n: int = 3) -> list[SentenceVerdict]:
        """The sentences that weigh most on one side (by their phrase weight, then length)."""
        own = [s for s in self.sentences if s.kind == kind]
        key = (lambda s: (s.business - s.party, len(s.text))) if kind == "business" else \
              (lambda s: (s.party - s.business, len(s.text)))
        return sorted(own, key=key, reverse=True)[:n]

    def message(self) -> str:
        if self.percent is None:
            return "述职报告可判断的内容太少，未作判断"
        rel = "低于" if self.hit else "不低于"
        head = f"{'述职报告以业务工作为主：' if self.hit else ''}党建内容占{self.percent}%（{rel}{self.threshold}%）"
        parts = [head]
        biz = self.deciding("business")
        if biz:
            parts.append("业务内容如：" + "；".join(
                f"“{_short(s.text, 36)}”（{_quote(m.phrase for m in s.matches if m.kind == 'business')}）" for s in biz))
        party = self.deciding("party", 2)
        if party:
            parts.append("党建内容如：" + "；".join(f"“{_short(s.text, 36)}”" for s in party))
        tied = [s for s in self.sentences if s.kind == "integrated"]
        if tied:
            parts.append(f"党建与业务结合的句子{len(tied)}句按党建内容计，如：" + "；".join(
                f"“{_short(s.text, 36)}”（{_quote(s.ties)}）" for s in tied[:2]))
        if not party and not tied:
            parts.append("没有写党建工作的句子")
        return "；".join(parts)


def judge_duty_report(text: str, settings: dict | None = None) -> DutyVerdict:
    s = {**DEFAULTS, **(settings or {})}
    threshold = int(s["txt_duty_party_percent"])
    verdicts = [classify_duty_sentence(x) for x in sentences(text)]
    pc = sum(len(v.text) for v in verdicts if v.counts_as_party)
    bc = sum(len(v.text) for v in verdicts if v.kind == "business")
    if pc + bc < MIN_DUTY_CHARS:
        return DutyVerdict(verdicts, pc, bc, None, threshold, False)
    percent = round(100 * pc / (pc + bc))
    return DutyVerdict(verdicts, pc, bc, percent, threshold, percent < threshold)


# --- TXT-04 --------------------------------------------------------------------------------------------
THEME_TABLE = lx.combine(neutral=lx.NEUTRAL_PHRASES, party=lx.PARTY_ACTIVITY_PHRASES, other=lx.NOT_PARTY_PHRASES,
                         business=lx.BUSINESS_WORK)
TOPIC_WEIGHT = 2
# The kinds of "other" content that a party service mechanism turns into service to the people (not outings or sports).
SERVICE_KINDS = ("业务培训", "业务工作")


@dataclass
class ThemeDayVerdict:
    parts: list[tuple[str, str, list[lx.Match], int]]   # (text, "party"|"other"|"neutral", matches, weight)
    percent: int | None
    threshold: int
    hit: bool
    service_frame: str | None = None    # the party service mechanism named in the record ("社区报到")
    served: list[str] = field(default_factory=list)    # sentences counted as service to the public because of it

    def markers(self, kind: str) -> list[lx.Match]:
        wanted = (lambda m: m.kind == "party") if kind == "party" else (lambda m: m.kind not in ("party", "neutral"))
        return [m for _, k, ms, _ in self.parts if k == kind for m in ms if wanted(m)]

    def message(self) -> str:
        if self.percent is None:
            return "主题党日内容中没有可判断的活动"
        rel = "低于" if self.hit else "不低于"
        head = f"{'主题党日不像党的活动：' if self.hit else ''}党的活动内容占{self.percent}%（{rel}{self.threshold}%）"
        by_kind: dict[str, list[str]] = {}
        for m in self.markers("other"):
            by_kind.setdefault(m.kind, []).append(m.phrase)
        parts = [head] + [f"{_quote(words)}表明是{kind}" for kind, words in by_kind.items()]
        party = [m.phrase for m in self.markers("party") if m.label != "为民服务"]
        parts.append(f"党的活动内容：{_quote(party)}" if party else "没有党的活动内容（学习、党性教育、志愿服务等）")
        if self.served:
            parts.append(f"依托“{self.service_frame}”面向群众的宣传、培训、服务{len(self.served)}句按为民服务计，如："
                         f"“{_short(self.served[0], 36)}”")
        return "；".join(parts)


THEME_PATTERNS = lx.PARTY_ACTIVITY_PATTERNS + lx.BUSINESS_WORK_PATTERNS


def _theme_part(text: str, weight: int):
    found = lx.find(text, THEME_TABLE, THEME_PATTERNS)
    p = sum(m.weight for m in found if m.kind == "party")
    o = sum(m.weight for m in found if m.kind not in ("party", "neutral"))
    kind = "party" if p > o else "other" if o > p else "neutral"
    return (text, kind, found, weight)


def _serves_public(part) -> bool:
    text, kind, found, _ = part
    others = [m for m in found if m.kind not in ("party", "neutral")]
    return (kind == "other" and all(m.kind in SERVICE_KINDS for m in others)
            and any(w in text for w in lx.PUBLIC + lx.SERVICE_ACTS))


def judge_theme_day(topic: str, minutes: str, settings: dict | None = None) -> ThemeDayVerdict:
    """The topic (counted twice) and each sentence are party activity, an outing / sports or union event / business
    training or business work, or neither. In a record naming a party service mechanism (`lexicon.SERVICE_FRAME`:
    到社区报到, 志愿服务, 结对帮扶 …) a training or business sentence addressed to the public (`lexicon.PUBLIC`) is
    service to the people and counts as party activity."""
    s = {**DEFAULTS, **(settings or {})}
    threshold = int(s["txt_theme_day_party_percent"])
    parts = ([_theme_part(topic.strip(), TOPIC_WEIGHT)] if (topic or "").strip() else []) + \
        [_theme_part(x, 1) for x in sentences(minutes) if not lx.RECORD_HEADER.match(x)]
    whole = (topic or "") + (minutes or "")
    frame = next((f for f in lx.SERVICE_FRAME if f in whole), None)
    served = []
    if frame:
        for i, part in enumerate(parts):
            if _serves_public(part):
                served.append(part[0])
                parts[i] = (part[0], "party", part[2] + [lx.Match(frame, "为民服务", "party", 0.0, 0, 0)], part[3])
    party = sum(w for _, k, _, w in parts if k == "party")
    other = sum(w for _, k, _, w in parts if k == "other")
    if party + other == 0:
        return ThemeDayVerdict(parts, None, threshold, False, frame, served)
    percent = round(100 * party / (party + other))
    return ThemeDayVerdict(parts, percent, threshold, other > 0 and percent < threshold, frame, served)


# --- engine rules --------------------------------------------------------------------------------------
def _meeting_reads(types):
    from dangjian.orglife.models import meeting_records

    return meeting_records(types)


CRITIQUE_TYPES = ("org_life", "democratic_life")
GUIDE = "《关于新形势下党内政治生活的若干准则》"


def _scoped(ctx, qs, field="org_id"):
    return qs if ctx.org_ids is None else qs.filter(**{f"{field}__in": ctx.org_ids})


def _meeting(pk, org_id, external_id, mtype, date):
    from dangjian.orglife.models import Meeting

    return Meeting(pk=pk, org_id=org_id, external_id=external_id or "", type=mtype, date=date)


@rule("TXT-02", reads=_meeting_reads(CRITIQUE_TYPES) + ("people.person",), title="组织生活会、民主生活会的批评意见空泛（只讲“加强学习”之类）",
      citation=f"{GUIDE}：开展批评和自我批评要坚持实事求是、讲党性不讲私情、讲真理不讲面子",
      severity="WARN", subject="meeting", settings=("txt_critique_generic_percent", "txt_critique_concrete_min"))
def generic_critiques(ctx):
    """已召开的组织生活会、民主生活会，批评意见中没有具体事实、时间、事件或行为的（空泛意见）占比达到参数（默认60%）：
    预警，主体为该次会议；消息逐条列出空泛的意见。一条意见的具体性按时间、次数、数量、场合、可见的行为、“动作＋对象或场合”、
    事件经过（“你负责的……”、做了什么、“被……退回”等后果，每类各计一次）等标记计分，
    合计达到参数（默认2分）即为具体；词表见 textquality/lexicon.py。"""
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Critique

    qs = _scoped(ctx, Critique.objects.filter(meeting__type__in=CRITIQUE_TYPES, meeting__state=MeetingState.HELD,
                                              meeting__date__lte=ctx.as_of), "meeting__org_id")
    meetings: dict[int, dict] = {}
    for row in qs.order_by("meeting_id", "order", "pk").values(
            "meeting_id", "meeting__org_id", "meeting__external_id", "meeting__type", "meeting__date", "meeting__topic",
            "text", "author__name", "target__name").iterator(chunk_size=2000):
        m = meetings.setdefault(row["meeting_id"], {"row": row, "texts": [], "labels": []})
        m["texts"].append(row["text"])
        m["labels"].append(f"{row['author__name']}→{row['target__name']}" if row["target__name"] else
                           (row["author__name"] or ""))
    for pk, m in meetings.items():
        v = judge_critiques(m["texts"], ctx.settings)
        if v.hit:
            r = m["row"]
            yield Hit(_meeting(pk, r["meeting__org_id"], r["meeting__external_id"], r["meeting__type"],
                               r["meeting__date"]),
                      f"{r['meeting__date']:%Y-%m-%d}“{_short(r['meeting__topic'] or '', 30)}”" + v.message(m["labels"]))


@rule("TXT-03", reads=("assessment.report",), title="书记抓基层党建工作述职报告以业务工作为主（“业务工作多、党建工作少”）",
      citation="《党委（党组）书记抓基层党建工作述职评议考核办法（试行）》：述职内容为履行抓基层党建工作责任情况",
      severity="WARN", subject="report", period="year", settings=("txt_duty_party_percent",))
def business_dominated_duty_reports(ctx):
    """书记抓基层党建工作述职报告（正文），逐句判断是党建内容、业务内容还是其他（按 lexicon.py 的党建词、业务词加权，
    重者为准；把党组织或党员与业务连在一起的句子按党建内容计，“以党建为引领”“党旗飘扬”之类口号不计），党建内容在已判断文字中的占比（按字数）低于参数（默认40%）：预警，主体为该报告，期间为述职年度；
    消息给出占比和起决定作用的句子。可判断的文字不足60字的报告不作判断。"""
    from dangjian.assessment.choices import ReportKind
    from dangjian.assessment.models import Report

    qs = _scoped(ctx, Report.objects.filter(kind=ReportKind.SECRETARY_DUTY, year__lte=ctx.as_of.year).exclude(text=""))
    for pk, org_id, ext, year, title, text in qs.order_by("pk").values_list(
            "pk", "org_id", "external_id", "year", "title", "text").iterator(chunk_size=500):
        v = judge_duty_report(text, ctx.settings)
        if v.hit:
            yield Hit(Report(pk=pk, org_id=org_id, external_id=ext or "", year=year),
                      f"《{_short(title, 40)}》" + v.message(), period=str(year))


@rule("TXT-04", reads=_meeting_reads(("theme_day",)), title="主题党日不是党的活动（出游、文体活动、业务培训）",
      citation="《中国共产党支部工作条例（试行）》第十六条：主题党日组织党员集中学习、过组织生活、民主议事和志愿服务等",
      severity="WARN", subject="meeting", settings=("txt_theme_day_party_percent",))
def not_party_theme_days(ctx):
    """已召开的主题党日，按主题（计两倍）和会议记录逐句（时间、地点、参加人员等表头不计）判断是党的活动（学习、党性教育、
    红色教育、志愿服务、交纳党费、发展党员和选举等党内事务、联学联建等）、
    出游、文体活动还是业务培训、业务工作（依托到社区报到、志愿服务等机制面向群众的宣传、培训按为民服务计）；党的活动内容占比低于参数（默认50%）且有非党的活动内容的：预警，主体为该次主题党日，
    消息列出标示为出游、文体活动、业务培训的词。"""
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Meeting

    qs = _scoped(ctx, Meeting.objects.filter(type="theme_day", state=MeetingState.HELD, date__lte=ctx.as_of))
    for pk, org_id, ext, date, topic, minutes in qs.order_by("pk").values_list(
            "pk", "org_id", "external_id", "date", "topic", "minutes").iterator(chunk_size=2000):
        v = judge_theme_day(topic or "", minutes or "", ctx.settings)
        if v.hit:
            yield Hit(_meeting(pk, org_id, ext, "theme_day", date),
                      f"{date:%Y-%m-%d}“{_short(topic or '', 30)}”" + v.message())

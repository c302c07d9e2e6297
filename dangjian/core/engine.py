"""The rules engine.

Each domain registers its compliance rules in its own `rules.py` with `@rule(...)`: the rule ID and
citation from shared/rules.md, a severity, the kind of subject it judges and its period. A rule is a
function `check(ctx) -> iterable of Hit` that works set-wise over the database through `ctx`, so one
implementation serves the live system (full or incremental runs) and `dangjian check FILE` (which
loads the file into a throwaway database).

`run()` turns hits into stored Findings with a lifecycle: new hits open findings, findings no longer
hit are resolved automatically, waived findings stay waived.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .params import ascii_int

SEVERITIES = ("BLOCK", "WARN", "INFO")
# Kinds of finding subjects (djx.md). A rule judging more than one kind declares them joined by
# "|" (e.g. BR-05: a quarter without a 党员大会 is the org's, a vote without quorum the meeting's).
SUBJECT_KINDS = ("org", "person", "meeting", "election", "rectification", "report", "selfcheck")


@dataclass(frozen=True)
class Setting:
    """A configurable ([P]) parameter with its default and a Chinese label."""

    key: str
    default: Any
    label: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str
    severity: str
    subject: str
    period: str | None
    check: Callable[["Context"], Iterable["Hit"]]
    domain: str = ""
    settings: tuple[str, ...] = ()
    description: str = ""
    # The rule needs records a DJX file cannot express (e.g. dispositions): `dangjian check` skips it.
    live_only: bool = False
    # The models whose records the rule reads, as "app.model" labels (e.g. {"orgs.post",
    # "people.person"}): a change to other records (a talk recorded) cannot change its findings, so
    # the incremental run after it skips the rule. None: re-judged after any change.
    reads: frozenset[str] | None = None
    # A page that shows a finding's evidence (a URL name taking the finding's pk), linked from the 预警中心.
    evidence: str = ""
    # The rule reads the whole installation on every run (TXT-01's corpus of texts): a request's run leaves it
    # to a background job (`run(background="defer")`, `tasks.defer`); other runs judge it like any rule.
    background: bool = False

    @property
    def subject_kinds(self) -> tuple[str, ...]:
        return tuple(self.subject.split("|"))


def kind_of(subject) -> str:
    """The subject kind of a model instance: its model name (org, person, meeting …)."""
    return subject._meta.model_name


def subject_kind(rule: "Rule", hit: "Hit") -> str:
    kinds = rule.subject_kinds
    return kinds[0] if len(kinds) == 1 else kind_of(hit.subject)


@dataclass
class Hit:
    """One rule's judgement: `subject` is a model instance (Org, Person, …)."""

    subject: Any
    message: str
    period: str | None = None
    severity: str | None = None
    org_id: int | None = None   # where the finding lives in the tree; derived when omitted
    # What the judgement rests on, stored with the finding (`Finding.evidence`) for its evidence page, e.g.
    # TXT-01's source text and similarity; None: nothing beyond the message.
    evidence: dict | None = None


@dataclass(frozen=True)
class Aggregate:
    """A rules.md entry that is an aggregate of other rules rather than a finding of its own (e.g.
    ORGLIFE-01 "三会一课 on schedule" = BR-05/06/07 + ORGLIFE-02): listed with the rules, shown
    where it is computed, never a second warning for the same missed meeting (减负)."""

    id: str
    title: str
    citation: str
    parts: tuple[str, ...]
    shown_in: str


@dataclass(frozen=True)
class Enforced:
    """A rules.md entry applied where the record is made rather than judged afterwards (the dues
    calculator's brackets, a payment channel that does not exist): it cannot be broken in the platform, so
    it is no finding. Listed with the rules, naming where it is applied and the test that shows it."""

    id: str
    title: str
    citation: str
    where: str
    test: str


class Registry:
    def __init__(self):
        self.rules: dict[str, Rule] = {}
        self.settings: dict[str, Setting] = {}
        self.aggregates: dict[str, Aggregate] = {}
        self.enforced: dict[str, Enforced] = {}

    def register(self, rule: Rule) -> None:
        if rule.id in self.rules and self.rules[rule.id].check is not rule.check:
            raise ValueError(f"规则编号重复：{rule.id}")
        if rule.severity not in SEVERITIES:
            raise ValueError(f"{rule.id}: 未知级别 {rule.severity}")
        self.rules[rule.id] = rule

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def __iter__(self):
        return iter(sorted(self.rules.values(), key=lambda r: _rule_sort_key(r.id)))

    def __len__(self):
        return len(self.rules)


def _rule_sort_key(rule_id: str):
    prefix, _, num = rule_id.rpartition("-")
    return (prefix, ascii_int(num, default=0), num)


registry = Registry()


def aggregate(id: str, *, title: str, citation: str, parts: Iterable[str], shown_in: str) -> Aggregate:
    """Register an aggregate entry (see `Aggregate`)."""
    a = Aggregate(id=id, title=title, citation=citation, parts=tuple(parts), shown_in=shown_in)
    registry.aggregates[id] = a
    return a


def enforced(id: str, *, title: str, citation: str, where: str, test: str) -> Enforced:
    """Register an entry applied where records are made (see `Enforced`)."""
    e = Enforced(id=id, title=title, citation=citation, where=where, test=test)
    registry.enforced[id] = e
    return e


def rule(id: str, *, title: str, citation: str, severity: str, subject: str = "org",
         period: str | None = None, settings: Iterable[str] = (), description: str = "",
         live_only: bool = False, reads: Iterable[str] | None = None, evidence: str = "",
         background: bool = False):
    """Register a compliance rule. `citation` is the article quoted to users, in Chinese. `reads`:
    the models (classes or "app.model" labels) whose records the rule reads; None: any change may
    affect it. `test_rule_reads` checks each declaration against the tables the rule queries.
    `background`: too costly for a request (it reads the whole installation whatever the change): judged by a
    Huey job after the request commits, and in full every night (`Rule.background`)."""

    def deco(fn):
        registry.register(Rule(id=id, title=title, citation=citation, severity=severity,
                               subject=subject, period=period, check=fn,
                               domain=fn.__module__.split(".")[-2], settings=tuple(settings),
                               description=description or (fn.__doc__ or "").strip(),
                               live_only=live_only, reads=None if reads is None else model_labels(reads),
                               evidence=evidence, background=background))
        return fn

    return deco


def setting(key: str, default: Any, label: str, rules: Iterable[str] = ()) -> Setting:
    s = Setting(key, default, label, tuple(rules))
    registry.settings[key] = s
    return s


def autodiscover() -> None:
    for cfg in apps.get_app_configs():
        if cfg.name.startswith("dangjian."):
            try:
                importlib.import_module(f"{cfg.name}.rules")
            except ModuleNotFoundError as e:
                if e.name != f"{cfg.name}.rules":
                    raise


def effective_settings(overrides: dict | None = None) -> dict[str, Any]:
    from .models import JurisdictionSetting

    values = {k: s.default for k, s in registry.settings.items()}
    values.update(dict(JurisdictionSetting.objects.values_list("key", "value")))
    if overrides:
        values.update(overrides)
    return values


@dataclass
class Context:
    """What a rule sees: the as-of date, the settings, and the part of the tree being judged."""

    as_of: dt.date
    settings: dict[str, Any]
    org_ids: frozenset[int] | None = None  # None: the whole database
    cache: dict[str, Any] = field(default_factory=dict)
    # rule ID → orgs outside `org_ids` that the rule re-judged in full in this incremental run (`widen`)
    widened: dict[str, set[int]] = field(default_factory=dict)

    def setting(self, key: str) -> Any:
        return self.settings[key]

    def orgs(self):
        from dangjian.orgs.models import Org

        qs = Org.objects.active_on(self.as_of)
        return qs if self.org_ids is None else qs.filter(pk__in=self.org_ids)

    def people(self):
        """People whose own org is in scope. A rule that counts a subtree (JG-01) must look below
        the scope itself: an incremental run holds only the touched orgs and their ancestors."""
        from dangjian.people.models import Person

        qs = Person.objects.all()
        return qs if self.org_ids is None else qs.filter(org_id__in=self.org_ids)

    def in_scope(self, org_id: int | None) -> bool:
        return self.org_ids is None or org_id in self.org_ids

    def widen(self, rule_id: str, org_ids: Iterable[int]) -> None:
        """An incremental run's change reaches findings of other orgs (TXT-01: a text edited was the source
        of another org's copy): the rule says it judged these orgs in full, before yielding their hits; their
        hits are kept and their findings not hit are resolved, for this rule only."""
        if self.org_ids is not None:
            self.widened.setdefault(rule_id, set()).update(set(org_ids) - self.org_ids)

    def memo(self, key: str, fn: Callable[[], Any]) -> Any:
        """Share one computation (e.g. member counts per org) between the rules of one run."""
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]


def subject_org_id(subject) -> int | None:
    from dangjian.orgs.models import Org

    if isinstance(subject, Org):
        return subject.pk
    return getattr(subject, "org_id", None)


@contextlib.contextmanager
def cycle_collector_paused():
    """Pause CPython's cyclic garbage collector for the length of a run, then restore it.

    A full run builds millions of short-lived, acyclic objects (rows as tuples, dicts of sets keyed
    by id, one Org per org): each batch of allocations triggers a collection that rescans the whole
    growing heap, which at province scale was a third of the engine's Python time. Nothing a rule
    builds relies on the cycle collector (reference counting frees it all), and whatever cycles do
    form are collected by the first collection after the run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def evaluate(ctx: Context, rule_ids: Iterable[str] | None = None) -> list[tuple[Rule, Hit]]:
    wanted = set(rule_ids) if rule_ids is not None else None
    out: list[tuple[Rule, Hit]] = []
    with cycle_collector_paused():
        for r in registry:
            if wanted is not None and r.id not in wanted:
                continue
            for hit in r.check(ctx):
                if hit.org_id is None:
                    hit.org_id = subject_org_id(hit.subject)
                if hit.org_id is None or not (ctx.in_scope(hit.org_id)
                                              or hit.org_id in ctx.widened.get(r.id, ())):
                    continue
                out.append((r, hit))
    return out


def expand_with_ancestors(org_ids: Iterable[int]) -> frozenset[int]:
    """Rules on an org may count its whole subtree, so a change below re-judges its ancestors."""
    from dangjian.orgs.models import Org

    paths = list(Org.objects.filter(pk__in=list(org_ids)).values_list("path", flat=True))
    steplen = Org.steplen
    prefixes = {p[:i] for p in paths for i in range(steplen, len(p) + 1, steplen)}
    return frozenset(Org.objects.filter(path__in=prefixes).values_list("pk", flat=True))


@dataclass
class RunResult:
    opened: int = 0
    resolved: int = 0
    kept: int = 0
    reopened: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)  # subjects hit in this run, per rule

    def __str__(self):
        return f"新增 {self.opened}，重新打开 {self.reopened}，保持 {self.kept}，自动消除 {self.resolved}"


@cycle_collector_paused()
def run(as_of: dt.date | None = None, org_ids: Iterable[int] | None = None,
        rule_ids: Iterable[str] | None = None, settings_overrides: dict | None = None,
        background: str = "inline") -> RunResult:
    """Evaluate and store. With `org_ids`, only those orgs (and their ancestors) are re-judged.

    `background`: what becomes of the background rules (`Rule.background`, TXT-01) among `rule_ids`.
    "inline" (the default: the nightly run, `dangjian evaluate`, the demo loader, the Huey job itself) judges
    them here like any rule; "defer" (the request path: `schedule`'s run after an action, a full run a web
    action starts) leaves them to a Huey job requested once the caller's transaction commits (`tasks.defer`:
    pending requests pile into one job). A run with `settings_overrides` judges them inline (the job would
    judge with the stored values)."""
    from dangjian.people.models import Person
    from .models import Finding, FindingState

    if background not in ("inline", "defer"):
        raise ValueError(f"background: {background!r}")
    as_of = as_of or timezone.localdate()
    org_ids = None if org_ids is None else sorted(set(org_ids))
    rule_ids = list(rule_ids) if rule_ids is not None else [r.id for r in registry]
    deferred: list[str] = []
    if background == "defer" and settings_overrides is None:
        deferred = [rid for rid in rule_ids if (r := registry.get(rid)) is not None and r.background]
        if deferred:
            rule_ids = [rid for rid in rule_ids if rid not in deferred]
            if not rule_ids:
                _defer(deferred, org_ids, as_of)
                return RunResult()
    scope = None if org_ids is None else expand_with_ancestors(org_ids)
    ctx = Context(as_of=as_of, settings=effective_settings(settings_overrides), org_ids=scope)
    hits = evaluate(ctx, rule_ids)
    result = RunResult()
    now = timezone.now()
    # One finding per (rule, subject, period): the first hit wins (rules combine their messages).
    wanted: dict[tuple, tuple[Rule, Hit]] = {}
    for r, hit in hits:
        wanted.setdefault((r.id, subject_kind(r, hit), hit.subject.pk, hit.period or ""), (r, hit))
    # The [P] values each rule is judged with in this run, once per rule (stored on its findings;
    # as JSON reads them back, so that an unchanged value compares equal on the next run).
    used = {rid: json.loads(json.dumps({k: ctx.settings.get(k) for k in registry.get(rid).settings},
                                       cls=DjangoJSONEncoder))
            for rid in rule_ids if registry.get(rid) is not None}
    with transaction.atomic():
        existing_qs = Finding.objects.filter(rule_id__in=rule_ids)
        if scope is not None:
            in_run = Q(org_id__in=scope)
            for rid, ids in ctx.widened.items():
                in_run |= Q(rule_id=rid, org_id__in=sorted(ids))
            existing_qs = existing_qs.filter(in_run)
        fields = ("id", "rule_id", "subject_kind", "subject_id", "period", "state", "message",
                  "severity", "org_id", "citation")
        # The stored [P] values are read as text and parsed once per distinct text (a rule's findings
        # share a few): the JSON field's own per-row parsing would slow loading the findings by half.
        as_text = {"settings_text": Cast("settings_used", TextField()),
                   "evidence_text": Cast("evidence", TextField())}
        existing = {(f.rule_id, f.subject_kind, f.subject_id, f.period): f
                    for f in existing_qs.only(*fields).annotate(**as_text)}
        in_scope_keys = set(existing)
        if scope is not None:
            # A subject judged here may own a finding stored under an org outside the scope (a
            # person moved from another branch): update that row instead of violating the
            # one-finding-per-subject constraint.
            missing: dict[tuple[str, str], set] = {}
            for key in wanted.keys() - existing.keys():
                missing.setdefault(key[:2], set()).add(key[2])
            for (rid, kind), sids in missing.items():
                sids = sorted(sids)
                for i in range(0, len(sids), 500):
                    for f in Finding.objects.filter(rule_id=rid, subject_kind=kind,
                                                    subject_id__in=sids[i:i + 500]).only(*fields).annotate(
                                                        **as_text):
                        existing[(f.rule_id, f.subject_kind, f.subject_id, f.period)] = f
        new, changed, confirmed = [], [], []
        rejudged: dict[str, list[int]] = {}   # rule → findings last judged with other [P] values
        parsed: dict[str, Any] = {}
        for key, (r, hit) in wanted.items():
            severity = hit.severity or r.severity
            f = existing.get(key)
            if f is not None:
                text = f.settings_text or "{}"
                if text not in parsed:
                    parsed[text] = json.loads(text)
                if parsed[text] != used[r.id]:
                    rejudged.setdefault(r.id, []).append(f.pk)
            if f is None:
                new.append(Finding(rule_id=r.id, severity=severity, subject_kind=key[1],
                                   subject_id=hit.subject.pk, period=hit.period or "",
                                   org_id=hit.org_id,
                                   person_id=hit.subject.pk if isinstance(hit.subject, Person) else None,
                                   message=hit.message, citation=r.citation,
                                   settings_used=used[r.id], evidence=_json(hit.evidence) or {}))
                result.opened += 1
                continue
            if f.state == FindingState.RESOLVED:
                f.state = FindingState.OPEN
                f.resolved_at = None
                result.reopened += 1
            else:
                result.kept += 1
                if (f.message, f.severity, f.org_id, f.citation) == (hit.message, severity, hit.org_id,
                                                                      r.citation) and (
                        hit.evidence is None or json.loads(f.evidence_text or "{}") == _json(hit.evidence)):
                    # Most findings of a run are confirmed unchanged: one UPDATE per chunk, since
                    # a CASE-per-row bulk_update of 100,000 rows is what a full run cannot afford.
                    confirmed.append(f.pk)
                    continue
            f.message, f.severity, f.org_id, f.last_seen = hit.message, severity, hit.org_id, now
            f.citation = r.citation   # a corrected citation reaches the findings already open
            # (the loaded text, not the deferred field: reading that would cost a query per finding)
            f.evidence = json.loads(f.evidence_text or "{}") if hit.evidence is None else _json(hit.evidence)
            changed.append(f)
        Finding.objects.bulk_create(new, batch_size=1000)
        if changed:
            Finding.objects.bulk_update(changed, ["state", "resolved_at", "message", "severity",
                                                  "org_id", "citation", "last_seen", "evidence"], batch_size=500)
        for i in range(0, len(confirmed), 1000):
            Finding.objects.filter(pk__in=confirmed[i:i + 1000]).update(last_seen=now)
        for rid, pks in rejudged.items():   # one UPDATE per rule and chunk: the values are the rule's
            for i in range(0, len(pks), 1000):
                Finding.objects.filter(pk__in=pks[i:i + 1000]).update(settings_used=used[rid])
        gone = [f.pk for k, f in existing.items()
                if k in in_scope_keys and k not in wanted and f.state == FindingState.OPEN]
        for i in range(0, len(gone), 1000):
            Finding.objects.filter(pk__in=gone[i:i + 1000]).update(state=FindingState.RESOLVED,
                                                                   resolved_at=now)
        result.resolved = len(gone)
        for r, _ in wanted.values():
            result.by_rule[r.id] = result.by_rule.get(r.id, 0) + 1
        # The dashboards' rollups follow the findings and the records just judged: a full run rebuilds
        # them, an incremental one updates the judged orgs' rows and their ancestors' (dashboards.rollups).
        from dangjian.dashboards.rollups import after_run

        try:
            with transaction.atomic():       # (a savepoint: the rollups never sink the run's findings)
                # (with the orgs a rule widened the run to: their findings changed too, TXT-01)
                after_run(None if scope is None else scope.union(*ctx.widened.values()), as_of)
        except Exception:
            logging.getLogger(__name__).exception("看板汇总更新失败（预警已保存；下次全量运行后重建）")
    if deferred:        # (after this run's own findings: the job judges the rest)
        _defer(deferred, org_ids, as_of)
    return result


def _defer(rule_ids: list[str], org_ids: list[int] | None, as_of: dt.date) -> None:
    """Ask for a background job once the current transaction commits (at once outside one). `robust`: a queue
    that cannot be reached is logged and never undoes a committed action; the nightly run judges again."""
    from . import tasks

    transaction.on_commit(lambda: tasks.defer(rule_ids, org_ids, as_of), robust=True)


def _json(value):
    """`value` as JSON reads it back (tuples → lists), so that an unchanged value compares equal."""
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


_pending = threading.local()


def model_labels(models: Iterable) -> frozenset[str]:
    """Models (classes or "app.model" labels, any case) as lower-case "app.model" labels. A label may
    name a kind of record in brackets, e.g. "orglife.meeting[theme_day]" (the 主题党日 only)."""
    return frozenset(m.lower() if isinstance(m, str) else m._meta.label_lower for m in models)


def base_label(label: str) -> str:
    """"orglife.meeting[theme_day]" → "orglife.meeting"."""
    return label.split("[", 1)[0]


def _reads_any(reads: frozenset[str], changed: frozenset[str]) -> bool:
    """Whether a rule reading `reads` can see a change to `changed`: the same label; a kind of
    record the rule reads in full ("orglife.meeting" sees "orglife.meeting[lecture]"); or a change
    of no particular kind, which every kind of that model sees."""
    for c in changed:
        base = base_label(c)
        if c in reads or base in reads or (c == base and any(base_label(r) == base for r in reads)):
            return True
    return False


def affected_rules(changed: Iterable | None) -> list[str]:
    """The rules a change to the records of the `changed` models can affect (None: every rule)."""
    kinds = None if changed is None else model_labels(changed)
    return [r.id for r in registry if kinds is None or r.reads is None or _reads_any(r.reads, kinds)]


def schedule(org_ids: Iterable[int], changed: Iterable | None = None) -> None:
    """Re-judge what an action touched once its transaction commits (incremental evaluation).

    `changed` names the models whose records the action wrote, optionally by kind (a 主题党日:
    `orglife.models.meeting_records(["theme_day"])`); only the rules that read one of them are
    re-judged (`Rule.reads`). None: every rule. Pooled actions pool their changes too.

    The orgs of every action in one transaction are pooled and judged by one run when it commits:
    an import that calls 40,000 actions in one transaction costs one incremental run, not 40,000.
    A rolled-back action's orgs may be judged with the next commit — harmless, judging is idempotent.
    This run is the request's: the background rules it reaches (TXT-01) go to a Huey job (`background="defer"`)."""
    ids = {i for i in org_ids if i}
    if not ids:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
        _pending.changed = set()
    pending.update(ids)
    if changed is None or _pending.changed is None:
        _pending.changed = None
    else:
        _pending.changed.update(model_labels(changed))
    # Every action registers the callback (a rolled-back one loses its own); the first to run
    # judges the whole pool and the rest find it empty. `robust`: a failing run is logged and
    # never turns a committed action into an error page.
    transaction.on_commit(_run_pending, robust=True)


def _run_pending() -> None:
    ids = getattr(_pending, "ids", None)
    if not ids:
        return
    changed = _pending.changed
    _pending.ids = set()
    _pending.changed = set()
    run(org_ids=ids, rule_ids=affected_rules(changed), background="defer")

"""Plans a realistic 市直机关 (or 省直机关) deterministically from a seed: pure Python, no database.

The plan is the org tree (with treebeard materialised paths computed here: steplen 4, alphabet
0-9A-Z, first child "0001") and, per branch, a generator of people rows. People are produced
branch by branch so that a million of them never sit in memory at once.

Names, ethnicities, regions of birth (the first six digits of the 公民身份号码) and phone prefixes
come from Faker's zh_CN data; the draws use one `random.Random(seed)`, which is much faster than
calling Faker per field and makes the whole data set a function of (scale, seed, as_of).
"""
from __future__ import annotations

import bisect
import collections
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhPerson
from faker.providers.phone_number.zh_CN import Provider as ZhPhone
from faker.providers.ssn.zh_CN import Provider as ZhSsn

from dangjian.core.crypto import id_check_digit
from dangjian.core.periods import add_years
from dangjian.orgs.choices import OrgType, PostRole
from dangjian.people.choices import MEMBER_STATUSES, DuesCategory, PersonnelCategory, Status

from . import catalog

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

DEMO_PASSWORD = "Dangjian2026"
# username → (Chinese persona label) — the order `demo_accounts` prints them in.
PERSONAS = {
    "gongwei": "工委管理员",
    "jiguan": "机关党委管理员",
    "shuji": "支部书记",
    "dangyuan": "普通党员",
    "shenji": "只读审计",
}


@dataclass(frozen=True)
class Scale:
    name: str
    level: str              # 市 | 省
    departments: int
    tiny_units: tuple[int, ...]   # how many tiny units each 联合党支部 covers
    people: int             # head count including the recruitment pipeline
    branch_size: int        # average people per branch
    affiliated: bool        # 直属单位 are separate units with their own 党委 under the 党组
    sizes: tuple[int, ...] = ()   # explicit department head counts (small scale)


SCALES = {
    # The tests' scale: 4 departments (a 机关党委, two 党总支, one oversized single branch) and a
    # 联合党支部 of two tiny units.
    "small": Scale("small", "市", 4, (2,), 300, 20, False, sizes=(118, 64, 52, 58)),
    "city": Scale("city", "市", 31, (6, 3), 6000, 24, False),
    "province": Scale("province", "省", 48, (6, 3, 3), 1_000_000, 20, True),
}


def path_step(n: int) -> str:
    """Treebeard's step for the n-th child (1-based): 1 → "0001", 36 → "0010"."""
    out = ""
    while n:
        n, r = divmod(n, len(ALPHABET))
        out = ALPHABET[r] + out
    if len(out) > STEPLEN:
        raise ValueError("一个组织下的下级组织过多，超出了路径编码范围")
    return out.rjust(STEPLEN, ALPHABET[0])


@dataclass(eq=False)
class UnitPlan:
    idx: int
    name: str
    parent: UnitPlan | None = None
    pk: int | None = None
    head_row: dict | None = None


@dataclass(eq=False)
class OrgPlan:
    name: str
    short: str
    type: str
    parent: OrgPlan | None
    unit: UnitPlan | None
    children: list[OrgPlan] = field(default_factory=list)
    path: str = ""
    depth: int = 0
    founded: dt.date | None = None
    committee_elected: dt.date | None = None
    term_extension_until: dt.date | None = None
    term_extension_approved: dt.date | None = None
    joint_units: list[UnitPlan] = field(default_factory=list)
    # branches only
    size: int = 0
    retired: bool = False
    problems: set[str] = field(default_factory=set)
    groups: list[OrgPlan] = field(default_factory=list)
    holders: list[dict] = field(default_factory=list)      # people who hold posts above the branch
    secretary_posts: list[tuple] = field(default_factory=list)  # extra posts of the secretary
    secretary_is_head: bool = False
    persona: bool = False
    pk: int | None = None

    def __post_init__(self):
        if self.parent is not None:
            self.parent.children.append(self)

    @property
    def numchild(self) -> int:
        return len(self.children)

    @property
    def is_branch(self) -> bool:
        return self.type == OrgType.BRANCH


@dataclass
class Plan:
    scale: Scale
    seed: int
    as_of: dt.date
    root: OrgPlan
    units: list[UnitPlan]
    orgs: list[OrgPlan]           # in path order
    branches: list[OrgPlan]       # in path order
    persona_branch: OrgPlan
    persona_committee: OrgPlan
    problems: list[str]           # what was planted on purpose, in Chinese

    @property
    def people_planned(self) -> int:
        return sum(b.size for b in self.branches)


def _weighted(pairs):
    values = [v for v, _ in pairs]
    cum = list(itertools.accumulate(w for _, w in pairs))
    return values, cum


class Planner:
    def __init__(self, scale: str | Scale = "small", seed: int = 2026, as_of: dt.date | None = None):
        self.scale = SCALES[scale] if isinstance(scale, str) else scale
        self.seed = seed
        self.as_of = as_of or timezone.localdate()     # (the platform's day, Asia/Shanghai, as the actions use)
        self.rng = random.Random(f"dangjian-demo:{self.scale.name}:{seed}")
        self.units: list[UnitPlan] = []
        self.problems: list[str] = []

    # --- helpers -----------------------------------------------------------------------------
    def days_ago(self, lo: float, hi: float) -> dt.date:
        return self.as_of - dt.timedelta(days=int(self.rng.uniform(lo, hi)))

    def unit(self, name: str, parent: UnitPlan | None = None) -> UnitPlan:
        u = UnitPlan(len(self.units), name, parent)
        self.units.append(u)
        return u

    def elected(self, term_years: int, org: OrgPlan) -> None:
        """Spread election dates over the term so that some terms are due (TERM-02: within six
        months), some overdue (ELEC-01) and a few extended with approval."""
        r = self.rng.random()
        year = 365.25
        if r < 0.82:
            elapsed = self.rng.uniform(0.05, term_years - 0.55) * year
        elif r < 0.91:
            elapsed = self.rng.uniform(term_years - 0.5, term_years - 0.02) * year
        elif r < 0.955:
            elapsed = self.rng.uniform(term_years + 0.02, term_years + 0.9) * year
        elif r < 0.97:
            elapsed = self.rng.uniform(term_years + 1.1, term_years + 1.6) * year
        else:
            elapsed = self.rng.uniform(term_years + 0.1, term_years + 0.6) * year
            org.committee_elected = self.as_of - dt.timedelta(days=int(elapsed))
            end = add_years(org.committee_elected, term_years)
            org.term_extension_until = end + dt.timedelta(days=self.rng.randint(200, 330))
            org.term_extension_approved = end - dt.timedelta(days=self.rng.randint(20, 60))
            return
        org.committee_elected = self.as_of - dt.timedelta(days=int(elapsed))

    def org(self, name, short, type, parent, unit, **kw) -> OrgPlan:
        o = OrgPlan(name=name, short=short, type=type, parent=parent, unit=unit, **kw)
        if type in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH):
            self.elected(5 if type == OrgType.COMMITTEE else 3, o)
            o.founded = min(o.committee_elected, dt.date(self.rng.randint(1984, 2016), self.rng.randint(1, 12), 1))
        elif type != OrgType.GROUP:
            o.founded = dt.date(self.rng.randint(1979, 2005), self.rng.randint(1, 12), 1)
        return o

    def split(self, total: int, parts: int, lo: int = 6, hi: int = 46) -> list[int]:
        """Split `total` people into `parts` branch sizes with a realistic spread."""
        weights = [self.rng.uniform(0.55, 1.45) for _ in range(parts)]
        s = sum(weights)
        sizes = [max(lo, min(hi, round(total * w / s))) for w in weights]
        return sizes

    # --- the tree ----------------------------------------------------------------------------
    def plan(self) -> Plan:
        sc, lv = self.scale, self.scale.level
        root = self.org(f"中共某{lv}直属机关工作委员会", f"{lv}直机关工委", OrgType.WORK_COMMITTEE, None, None)
        departments = (catalog.PROVINCE_DEPARTMENTS if lv == "省" else catalog.CITY_DEPARTMENTS)[:sc.departments]
        tiny_names = catalog.PROVINCE_TINY_UNITS if lv == "省" else catalog.CITY_TINY_UNITS
        tiny_people = 2 * sum(sc.tiny_units)
        if sc.sizes:
            sizes = list(sc.sizes)
        else:
            total_w = sum(w for _, w in departments)
            sizes = [round((sc.people - tiny_people) * w / total_w * self.rng.uniform(0.85, 1.15))
                     for _, w in departments]
        for i, ((name, _), people) in enumerate(zip(departments, sizes)):
            dept = self.unit(name)
            if i == 3:
                # Planted: a department that kept one branch while it grew past 50 (BR-01).
                self.single_branch(root, dept, 55 + self.rng.randint(0, 7), oversize=True)
            elif sc.affiliated:
                self.province_department(root, dept, people)
            else:
                self.department(root, dept, people)
        # 联合党支部 for the tiny units (BR-02); the first covers six units on purpose.
        names = iter(tiny_names)
        for k, count in enumerate(sc.tiny_units, start=1):
            units = [self.unit(next(names)) for _ in range(count)]
            b = self.org(f"中共某{lv}直机关第{catalog.cn_number(k)}联合党支部", f"第{catalog.cn_number(k)}联合党支部",
                         OrgType.BRANCH, root, units[0], joint_units=units, size=2 * count)
            if count > 5:
                b.problems.add("joint_over_5")
                self.problems.append(f"“{b.name}”覆盖{count}个单位，超过一般不超过5个的规定（BR-02）")

        branches: list[OrgPlan] = []

        def collect(o: OrgPlan) -> None:
            if o.is_branch:
                branches.append(o)
            for child in o.children:
                collect(child)

        collect(root)
        persona_branch, persona_committee = self.pick_personas(branches)
        self.plant(branches, persona_branch)
        self.add_groups(branches)
        orgs: list[OrgPlan] = []

        def walk(o: OrgPlan, path: str, depth: int) -> None:
            o.path, o.depth = path, depth
            orgs.append(o)
            for n, child in enumerate(o.children, start=1):
                walk(child, path + path_step(n), depth + 1)

        walk(root, path_step(1), 1)
        return Plan(sc, self.seed, self.as_of, root, self.units, orgs, branches, persona_branch,
                    persona_committee, self.problems)

    def leading_group(self, root: OrgPlan, dept: UnitPlan) -> OrgPlan:
        return self.org(f"中共{dept.name}党组", f"{dept.name}党组", OrgType.LEADING_GROUP, root, dept)

    def dept_leaders(self, lg: OrgPlan, dept: UnitPlan, first_branch: OrgPlan, body: OrgPlan | None) -> None:
        """The department head (党组书记, 第一责任人) and 党组成员; the first 党组成员 also leads
        the 机关党委 / 党总支 (`body`). They are members of the 机关's first branch."""
        head_title, deputy_title = catalog.head_titles(dept.name)
        start = self.days_ago(200, 6 * 365)
        first_branch.holders.append(dict(kind="head", unit=dept, title=f"{head_title}、党组书记",
                                         posts=[(lg, PostRole.FIRST_RESPONSIBLE, start, None)]))
        for k in range(self.rng.randint(3, 6)):
            posts = [(lg, PostRole.LEADING_GROUP_MEMBER, self.days_ago(100, 7 * 365), None)]
            title = f"{deputy_title}、党组成员"
            if k == 0 and body is not None:
                posts.append((body, PostRole.SECRETARY, body.committee_elected,
                              body.committee_elected + dt.timedelta(days=self.rng.randint(5, 25))))
                title += "、机关党委书记" if body.type == OrgType.COMMITTEE else "、机关党总支书记"
            first_branch.holders.append(dict(kind="leader", title=title, posts=posts))

    def committee_staff(self, body: OrgPlan, first_branch: OrgPlan, direct: list[OrgPlan]) -> None:
        """专职副书记 and 委员: 委员 are, as usual, secretaries of the body's branches."""
        if body.type == OrgType.COMMITTEE:
            first_branch.holders.append(dict(
                kind="staff", title="机关党委专职副书记",
                posts=[(body, PostRole.DEPUTY_SECRETARY, body.committee_elected,
                        body.committee_elected + dt.timedelta(days=self.rng.randint(5, 25)))]))
            roles = [PostRole.ORGANIZATION, PostRole.PROPAGANDA, PostRole.DISCIPLINE, PostRole.MEMBER,
                     PostRole.MEMBER]
        else:
            roles = [PostRole.ORGANIZATION, PostRole.PROPAGANDA, PostRole.MEMBER]
        for b, role in zip([b for b in direct if b is not first_branch and not b.retired], roles):
            b.secretary_posts.append((body, role, body.committee_elected, None))

    def sections(self) -> list[str]:
        return list(catalog.PROVINCE_SECTIONS if self.scale.level == "省" else catalog.SECTIONS)

    def department(self, root: OrgPlan, dept: UnitPlan, people: int) -> None:
        """A 市直 department: 党组 + 机关党委 (≥100 people) or 机关党总支 (≥50) or one branch."""
        if people < 50:
            self.single_branch(root, dept, people)
            return
        lg = self.leading_group(root, dept)
        if people < 100:
            g = self.org(f"中共{dept.name}机关总支部委员会", f"{dept.name}机关党总支", OrgType.GENERAL_BRANCH,
                         root, dept)
            n = max(2, round(people / self.scale.branch_size))
            branches = [self.org(f"{dept.name}机关第{catalog.cn_number(i)}党支部", f"机关第{catalog.cn_number(i)}党支部",
                                 OrgType.BRANCH, g, dept, size=s)
                        for i, s in enumerate(self.split(people, n), start=1)]
            self.dept_leaders(lg, dept, branches[0], g)
            self.committee_staff(g, branches[0], branches)
            return
        self.committee_body(root, lg, dept, people, subunits=catalog.subunits_for(dept.name))

    def committee_body(self, parent: OrgPlan, lg: OrgPlan | None, unit: UnitPlan, people: int,
                       subunits: list[str]) -> OrgPlan:
        """A 机关党委 with 处室 branches, a 离退休干部党支部, and — when it is big — 党总支 of its
        二级机构 with their own branches."""
        c = self.org(f"中共{unit.name}机关委员会" if lg is not None else f"中共{unit.name}委员会",
                     f"{unit.name}机关党委" if lg is not None else f"{unit.name}党委",
                     OrgType.COMMITTEE, parent, unit)
        # Big departments have many retirees, but one 离退休干部党支部 stays under 50 (BR-01).
        retired = min(44, max(8, round(people * 0.07)))
        n = max(3, round((people - retired) / self.scale.branch_size))
        sizes = self.split(people - retired, n)
        n_direct = n if n < 10 else min(len(self.sections()), max(4, n // 3))
        direct: list[OrgPlan] = []
        sections = self.sections()
        self.rng.shuffle(sections)
        for i, s in enumerate(sizes[:n_direct]):
            sec = sections[i] if i < len(sections) else f"机关第{catalog.cn_number(i + 1)}"
            direct.append(self.org(f"{unit.name}{sec}党支部", f"{sec}党支部", OrgType.BRANCH, c, unit, size=s))
        direct.append(self.org(f"{unit.name}离退休干部党支部", "离退休干部党支部", OrgType.BRANCH, c, unit,
                               size=retired, retired=True))
        rest = sizes[n_direct:]
        subs = iter(subunits)
        k = 0
        while rest:
            # A 党总支 stays under 100 members (JG-01/JG-02): about 105 people at most.
            m = 1
            while m < min(len(rest), 6) and sum(rest[:m + 1]) <= 105:
                m += 1
            take, rest = rest[:m], rest[m:]
            if m == 1:
                # A lone leftover branch is just another branch of the 机关党委.
                short = f"机关第{catalog.cn_number(len(direct))}党支部"
                direct.append(self.org(f"{unit.name}{short}", short, OrgType.BRANCH, c, unit, size=take[0]))
                continue
            k += 1
            sub = next(subs, None) or f"机关第{catalog.cn_number(k)}"
            g = self.org(f"中共{unit.name}{sub}总支部委员会", f"{sub}党总支", OrgType.GENERAL_BRANCH, c, unit)
            gb = []
            for j, s in enumerate(take, start=1):
                # 二级机构 name their branches "交通警察支队第一党支部"; numbered 总支 say
                # "第一党总支第二党支部".
                short = (f"{sub}党总支第{catalog.cn_number(j)}党支部" if sub.startswith(("第", "机关第"))
                         else f"{sub}第{catalog.cn_number(j)}党支部")
                gb.append(self.org(f"{unit.name}{short}", short, OrgType.BRANCH, g, unit, size=s))
            gb[0].secretary_posts.append((g, PostRole.SECRETARY, g.committee_elected,
                                          g.committee_elected + dt.timedelta(days=self.rng.randint(5, 25))))
            for b, role in zip(gb[1:], (PostRole.ORGANIZATION, PostRole.PROPAGANDA, PostRole.MEMBER)):
                b.secretary_posts.append((g, role, g.committee_elected, None))
        if lg is not None:
            self.dept_leaders(lg, unit, direct[0], c)
        else:
            # A 直属单位's 党委: its head is the 党委书记.
            head_title, _ = catalog.head_titles(unit.name)
            direct[0].holders.append(dict(
                kind="head", unit=unit, title=f"{head_title}、党委书记",
                posts=[(c, PostRole.SECRETARY, c.committee_elected,
                        c.committee_elected + dt.timedelta(days=self.rng.randint(5, 25)))]))
        self.committee_staff(c, direct[0], direct)
        return c

    def single_branch(self, root: OrgPlan, dept: UnitPlan, people: int, oversize: bool = False) -> None:
        lg = self.leading_group(root, dept)
        b = self.org(f"{dept.name}机关党支部", "机关党支部", OrgType.BRANCH, root, dept, size=people)
        b.secretary_is_head = True
        self.dept_leaders(lg, dept, b, None)
        if oversize:
            b.problems.add("oversize")
            self.problems.append(f"“{b.name}”有约{people}人，党支部党员一般不超过50人（BR-01）")

    def province_department(self, root: OrgPlan, dept: UnitPlan, people: int) -> None:
        """A 省直 department: its 机关党委 under the 工委, and its 直属单位 as units of their own,
        each with a 党委 led by the department's 党组."""
        lg = self.leading_group(root, dept)
        organ = max(150, min(3000, round(people * 0.12)))
        self.committee_body(root, lg, dept, organ, subunits=[f"机关第{catalog.cn_number(i)}" for i in range(1, 60)])
        rest = people - organ
        names = catalog.subunits_for(dept.name)
        # As many 直属单位 as there are names for them: big departments get bigger units.
        n_aff = max(2, min(len(names), round(rest / 900)))
        for suffix, size in zip(names, self.split(rest, n_aff, lo=120, hi=max(2400, 2 * rest // n_aff))):
            aff = self.unit(f"{dept.name}{suffix}", parent=dept)
            self.committee_body(lg, None, aff, size, subunits=[f"第{catalog.cn_number(j)}" for j in range(1, 60)])

    # --- personas and planted problems -------------------------------------------------------
    def pick_personas(self, branches: list[OrgPlan]) -> tuple[OrgPlan, OrgPlan]:
        """The 支部书记 and 党员 personas sit in an ordinary mid-sized branch of the first 机关党委."""
        for b in branches:
            p = b.parent
            if (p.type == OrgType.COMMITTEE and not b.retired and not b.holders and 14 <= b.size <= 40):
                b.persona = True
                first = next(c for c in p.children if c.is_branch)
                for h in first.holders:
                    if h["kind"] == "staff" and any(r == PostRole.DEPUTY_SECRETARY for _, r, _, _ in h["posts"]):
                        h["persona"] = "jiguan"
                return b, p
        raise RuntimeError("示例数据中没有合适的支部书记人选")

    def plant(self, branches: list[OrgPlan], persona: OrgPlan) -> None:
        """A few deliberate problems so that the 预警中心 has something real to show."""
        candidates = [b for b in branches if b is not persona and not b.joint_units and not b.retired
                      and not b.secretary_is_head and not b.holders
                      and b.parent.type != OrgType.WORK_COMMITTEE]
        rate = max(1, len(branches) // 250)
        messages = {
            "young_secretary": "“{}”的书记党龄不足1年（BR-11）",
            "unapproved_secretary": "“{}”的书记任职未填上级批准日期（BR-10）",
            "no_committee": "“{}”正式党员7人以上但未设支部委员会（BR-09）",
            "no_full_date": "“{}”有一名正式党员缺少转正日期（数据问题）",
        }
        # Terms: one overdue for re-election (ELEC-01) and one due within six months (TERM-02).
        spare = [b for b in candidates if not b.problems and not b.term_extension_until]
        for b, days, message in zip(self.rng.sample(spare, min(len(spare), 2)),
                                    (3 * 365 + self.rng.randint(60, 200), 3 * 365 - self.rng.randint(40, 120)),
                                    ("“{}”任期已届满未换届（ELEC-01）", "“{}”任期将在半年内届满（TERM-02）")):
            b.committee_elected = self.as_of - dt.timedelta(days=days)
            b.founded = min(b.founded, b.committee_elected)
            b.problems.add("term")
            self.problems.append(message.format(b.name))
        total = 0
        for kind, message in messages.items():
            # The young secretary holds no post above the branch (whose start would be earlier).
            eligible = [b for b in candidates if not b.problems
                        and (kind != "young_secretary" or not b.secretary_posts)]
            for k, b in enumerate(self.rng.sample(eligible, min(len(eligible), rate))):
                if kind == "no_committee":
                    b.size = max(b.size, 14)
                b.problems.add(kind)
                total += 1
                if k == 0:
                    self.problems.append(message.format(b.name))
        if total > len(messages):
            self.problems.append(f"以上四类问题共设置在{total}个党支部")

    def add_groups(self, branches: list[OrgPlan]) -> None:
        """党小组 in the bigger branches (and in the persona's, so the secretary has some)."""
        for b in branches:
            if b.joint_units or "no_committee" in b.problems:
                continue
            if b.size >= 24 or (b.persona and b.size >= 14):
                n = max(2, min(4, b.size // 10))
                b.groups = [OrgPlan(name=f"{b.name}第{catalog.cn_number(k)}党小组",
                                    short=f"第{catalog.cn_number(k)}党小组", type=OrgType.GROUP,
                                    parent=b, unit=b.unit) for k in range(1, n + 1)]


def plan(scale: str = "small", seed: int = 2026, as_of: dt.date | None = None) -> Plan:
    return Planner(scale, seed, as_of).plan()


# --- people ------------------------------------------------------------------------------------
class PeopleFactory:
    """Rows of people, branch by branch. Each row is a dict of Person fields plus private keys:
    `_id_number` (plain, the loader encrypts it), `_branch`, `_group`, `_posts`, `_persona`."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.as_of = plan.as_of
        self.rng = random.Random(f"dangjian-demo-people:{plan.scale.name}:{plan.seed}")
        self.last_names, self.last_cum = _weighted(list(ZhPerson.last_names.items()))
        # Given names: one character, a whole two-character name, or two characters combined.
        self.given = {}
        for male, pool in ((True, ZhPerson.first_names_male + catalog.EXTRA_MALE),
                           (False, ZhPerson.first_names_female + catalog.EXTRA_FEMALE)):
            pool = list(dict.fromkeys(pool))
            self.given[male] = ([c for c in pool if len(c) == 1], [c for c in pool if len(c) == 2])
        self.ethnicities, self.eth_cum = _weighted(catalog.ETHNICITIES)
        self.edu_staff = _weighted(catalog.EDUCATION_STAFF)
        self.edu_retired = _weighted(catalog.EDUCATION_RETIRED)
        codes = [c for c in ZhSsn.area_codes if not c.endswith("00") and "11" <= c[:2] <= "65"]
        per_city = collections.Counter(c[:4] for c in codes)
        home_city = self.rng.choice(sorted(c for c, n in per_city.items() if n >= 8))
        self.codes_city = [c for c in codes if c.startswith(home_city)]
        self.codes_province = [c for c in codes if c.startswith(home_city[:2])]
        self.codes_all = codes
        self.phone_prefixes = [str(p) for p in ZhPhone.phonenumber_prefixes]
        self.used: set[str] = set()
        self.staff_titles = catalog.PROVINCE_STAFF_TITLES if plan.scale.level == "省" else catalog.STAFF_TITLES

    def pick(self, values, cum):
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def name(self, male: bool) -> str:
        last = self.pick(self.last_names, self.last_cum)
        singles, doubles = self.given[male]
        r = self.rng.random()
        if r < 0.25:
            return last + self.rng.choice(singles)
        if r < 0.45 and doubles:
            return last + self.rng.choice(doubles)
        return last + self.rng.choice(singles) + self.rng.choice(singles)

    def id_number(self, birth: dt.date, male: bool) -> str:
        r = self.rng.random()
        codes = self.codes_city if r < 0.7 else self.codes_province if r < 0.9 else self.codes_all
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)  # GB 11643: odd = male
            first17 = f"{self.rng.choice(codes)}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_digit(first17)

    def birth(self, min_age: float, max_age: float) -> dt.date:
        return self.as_of - dt.timedelta(days=int(self.rng.uniform(min_age, max_age) * 365.25))

    def between(self, lo: dt.date, hi: dt.date, skew: float = 1.0) -> dt.date:
        if hi <= lo:
            return hi
        return lo + dt.timedelta(days=int((hi - lo).days * (self.rng.random() ** skew)))

    # --- one branch --------------------------------------------------------------------------
    def statuses(self, b: OrgPlan, n: int) -> list[str]:
        out = []
        for _ in range(n):
            r = self.rng.random()
            if b.retired:
                out.append(Status.DECEASED if r < 0.03 else Status.TRANSFERRED_OUT if r < 0.04 else Status.FULL)
            elif r < 0.045:
                out.append(Status.APPLICANT)
            elif r < 0.085:
                out.append(Status.ACTIVIST)
            elif r < 0.11:
                out.append(Status.CANDIDATE)
            elif r < 0.145:
                out.append(Status.PROBATIONARY)
            elif r < 0.15:
                out.append(Status.SUSPENDED)
            elif r < 0.165:
                out.append(Status.TRANSFERRED_OUT)
            elif r < 0.167:
                out.append(Status.DECEASED)
            else:
                out.append(Status.FULL)
        return out

    def branch_rows(self, b: OrgPlan) -> list[dict]:
        if b.joint_units:
            return self.joint_rows(b)
        rng = self.rng
        holders = list(b.holders)
        # Enough full members for a branch (BR-01) and its committee besides the leaders it hosts.
        need_full = (8 if "no_committee" in b.problems else 5 if holders else 3)
        n = max(b.size, len(holders) + need_full)
        statuses = [Status.FULL] * len(holders) + self.statuses(b, n - len(holders))
        others = list(range(len(holders), n))
        while sum(1 for i in range(len(holders), n) if statuses[i] == Status.FULL) < need_full and others:
            statuses[others.pop(0)] = Status.FULL
        if "oversize" in b.problems:
            # Planted BR-01: make sure the members (not just the head count) are over 50.
            others = [i for i in range(n) if statuses[i] not in MEMBER_STATUSES]
            while sum(1 for s in statuses if s in MEMBER_STATUSES) <= 52 and others:
                statuses[others.pop()] = Status.FULL
        full_count = sum(1 for s in statuses if s == Status.FULL)
        elected = b.committee_elected
        approved = None if "unapproved_secretary" in b.problems else elected + dt.timedelta(days=rng.randint(5, 25))
        sec_posts = [(b, PostRole.SECRETARY, elected, approved)] + list(b.secretary_posts)
        committee: list[list] = []
        if b.secretary_is_head:
            holders[0] = dict(holders[0], posts=list(holders[0]["posts"]) + sec_posts)
        else:
            committee.append(sec_posts)
        if full_count >= 7 and "no_committee" not in b.problems:
            committee += [[(b, PostRole.ORGANIZATION, elected, None)], [(b, PostRole.PROPAGANDA, elected, None)],
                          [(b, PostRole.DISCIPLINE, elected, None)]]
            if full_count >= 30:
                committee.insert(1, [(b, PostRole.DEPUTY_SECRETARY, elected,
                                      elected + dt.timedelta(days=rng.randint(5, 25)))])
        rows = []
        for h in holders:
            rows.append(self.person(b, Status.FULL, kind=h["kind"], title=h["title"],
                                    posts=list(h["posts"]), persona=h.get("persona")))
            if h["kind"] == "head":
                h["unit"].head_row = rows[-1]
        for i in range(len(holders), n):
            status, posts = statuses[i], []
            kind = "retired" if b.retired else "staff"
            if status == Status.FULL and committee:
                posts = committee.pop(0)
                if posts[0][1] == PostRole.SECRETARY:
                    kind = "young_secretary" if "young_secretary" in b.problems else kind
                    if kind == "staff":
                        kind = "secretary"
            row = self.person(b, status, kind=kind, posts=posts)
            if b.persona and posts and posts[0][1] == PostRole.SECRETARY:
                row["_persona"] = "shuji"
            rows.append(row)
        # 党小组: members go round-robin into the groups; each group's leader is a plain full member.
        if b.groups:
            members = [r for r in rows if r["status"] in (Status.FULL, Status.PROBATIONARY)]
            for k, r in enumerate(members):
                r["_group"] = b.groups[k % len(b.groups)]
            plain = [r for r in members if r["status"] == Status.FULL and not r["_posts"]]
            for g in b.groups:
                leader = next((r for r in plain if r["_group"] is g), None)
                if leader is not None:
                    start = max(elected, leader["full_member_date"] + dt.timedelta(days=1))
                    leader["_posts"].append((g, PostRole.GROUP_LEADER, min(start, self.as_of), None))
                    plain.remove(leader)
        if b.persona:
            member = next(r for r in rows if r["status"] == Status.FULL and not r["_posts"]
                          and not r["leading_cadre"] and not r["away_since"] and not r["lost_contact_since"])
            member["_persona"] = "dangyuan"
        if "no_full_date" in b.problems:
            victim = next((r for r in rows if r["status"] == Status.FULL and not r["_posts"]), None)
            if victim is not None:
                victim["full_member_date"] = None
        return rows

    def joint_rows(self, b: OrgPlan) -> list[dict]:
        """Two people per tiny unit (fewer than 3 full members each): the first a full member who
        heads the unit, the second anyone. The first unit's head is the branch secretary."""
        rows = []
        elected = b.committee_elected
        sec = [(b, PostRole.SECRETARY, elected, elected + dt.timedelta(days=self.rng.randint(5, 25)))]
        seconds = self.statuses(b, len(b.joint_units))
        for k, (u, second) in enumerate(zip(b.joint_units, seconds)):
            head_title, _ = catalog.head_titles(u.name)
            first = self.person(b, Status.FULL, kind="head", title=head_title, unit=u,
                                posts=sec if k == 0 else ())
            u.head_row = first
            rows += [first, self.person(b, second, kind="staff", unit=u)]
        # With seven full members a joint branch, too, sets up a committee (BR-09): the other
        # units' heads serve on it.
        heads = [r for r in rows[2::2]]
        if sum(1 for r in rows if r["status"] == Status.FULL) >= 7:
            for r, role in zip(heads, (PostRole.ORGANIZATION, PostRole.PROPAGANDA, PostRole.DISCIPLINE)):
                r["_posts"].append((b, role, max(elected, r["full_member_date"] + dt.timedelta(days=1)), None))
        return rows

    def person(self, b: OrgPlan, status: str, *, kind: str, title: str = "", posts=(), persona=None,
               unit: UnitPlan | None = None) -> dict:
        rng = self.rng
        male = rng.random() < (0.62 if kind in ("head", "leader") else 0.55 if kind != "retired" else 0.6)
        pipeline = status in (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY)
        if kind in ("head", "leader"):
            birth = self.birth(44, 58.5)
        elif kind in ("secretary", "staff") and posts:
            birth = self.birth(33, 57)
        elif kind == "young_secretary":
            birth = self.birth(27, 34)
        elif kind in ("retired", "retired_secretary") or b.retired:
            birth = self.birth(61, 88)
        elif pipeline:
            birth = self.birth(23, 38)
        else:
            birth = self.birth(24, 59.5)
        retired = b.retired
        institution = (unit or b.unit) is not None and (unit or b.unit).parent is not None
        row = dict(
            name=self.name(male), gender="male" if male else "female",
            ethnicity=self.pick(self.ethnicities, self.eth_cum), birth_date=birth,
            education=self.pick(*(self.edu_retired if retired else self.edu_staff)),
            status=str(status), application_date=None, probationary_date=None, full_member_date=None,
            dues_category=str(DuesCategory.RETIRED if retired else DuesCategory.IN_SERVICE),
            job_title=title, personnel_category="", phone=self.phone(),
            leading_cadre=kind in ("head", "leader"), lost_contact_since=None, away_since=None,
            away_fixed_location=False, status_since=None,
            _id_number=self.id_number(birth, male), _branch=b, _group=None, _posts=list(posts),
            _persona=persona, _unit=unit or b.unit)
        if kind in ("head", "leader") and row["education"] not in ("研究生", "大学本科"):
            row["education"] = "研究生" if rng.random() < 0.5 else "大学本科"
        # personnel category and title
        if retired:
            row["personnel_category"] = str(PersonnelCategory.RETIRED)
            row["job_title"] = row["job_title"] or "退休干部"
        else:
            r = rng.random()
            if institution:
                cat = (PersonnelCategory.PUBLIC_INSTITUTION if r < 0.8 else PersonnelCategory.CIVIL_SERVANT_LIKE
                       if r < 0.9 else PersonnelCategory.WORKER if r < 0.97 else PersonnelCategory.OTHER)
            else:
                cat = (PersonnelCategory.CIVIL_SERVANT if r < 0.65 else PersonnelCategory.CIVIL_SERVANT_LIKE
                       if r < 0.8 else PersonnelCategory.PUBLIC_INSTITUTION if r < 0.92 else PersonnelCategory.WORKER
                       if r < 0.98 else PersonnelCategory.OTHER)
            if kind in ("head", "leader", "secretary", "young_secretary"):
                cat = PersonnelCategory.PUBLIC_INSTITUTION if institution else PersonnelCategory.CIVIL_SERVANT
            row["personnel_category"] = str(cat)
            if not row["job_title"]:
                if cat == PersonnelCategory.WORKER:
                    row["job_title"] = rng.choice(catalog.WORKER_TITLES)
                elif cat == PersonnelCategory.PUBLIC_INSTITUTION:
                    row["job_title"] = rng.choice(catalog.INSTITUTION_TITLES)
                elif kind == "secretary":
                    row["job_title"] = rng.choice(self.staff_titles[-4:])
                else:
                    row["job_title"] = rng.choice(self.staff_titles[:8])
        self.dates(row, b, kind, posts)
        return row

    def phone(self) -> str:
        return self.rng.choice(self.phone_prefixes) + f"{self.rng.randrange(10 ** 8):08d}"

    def dates(self, row: dict, b: OrgPlan, kind: str, posts) -> None:
        rng, as_of, birth = self.rng, self.as_of, row["birth_date"]
        status = row["status"]
        adult = add_years(birth, 18) + dt.timedelta(days=200)
        if status == Status.APPLICANT:
            row["application_date"] = self.between(max(adult, as_of - dt.timedelta(days=365)), as_of)
            row["status_since"] = row["application_date"]
            return
        if status == Status.ACTIVIST:
            row["application_date"] = self.between(max(adult, as_of - dt.timedelta(days=760)),
                                                   as_of - dt.timedelta(days=120))
            row["status_since"] = row["application_date"] + dt.timedelta(days=rng.randint(30, 110))
            return
        if status == Status.CANDIDATE:
            row["application_date"] = self.between(max(adult, as_of - dt.timedelta(days=1200)),
                                                   as_of - dt.timedelta(days=500))
            row["status_since"] = as_of - dt.timedelta(days=rng.randint(20, 300))
            return
        if status == Status.PROBATIONARY:
            row["probationary_date"] = as_of - dt.timedelta(days=rng.randint(7, 355))
            row["application_date"] = row["probationary_date"] - dt.timedelta(days=rng.randint(520, 1100))
            row["status_since"] = row["probationary_date"]
            return
        # Someone who is or was a full member.
        latest_full = as_of - dt.timedelta(days=1)
        if posts:
            first_start = min((p[2] for p in posts if p[2]), default=as_of)
            # Party standing of at least a year when taking the post (BR-11), except the planted case.
            latest_full = min(latest_full, add_years(first_start, -1) - dt.timedelta(days=1))
        if kind == "young_secretary":
            full = posts[0][2] - dt.timedelta(days=rng.randint(60, 300))
            prob = add_years(full, -1)
        else:
            earliest = max(adult, dt.date(1955, 1, 1))
            latest_prob = max(earliest, add_years(latest_full, -1))
            # Most people join in their twenties or early thirties.
            join_age = 19.5 + rng.random() ** 2 * 24
            prob = birth + dt.timedelta(days=int(join_age * 365.25))
            if prob > latest_prob:
                # Too young to have joined by now at that age: spread over the last few years
                # instead of piling everyone onto the latest possible day.
                span = max(0, min(1800, (latest_prob - earliest).days))
                prob = latest_prob - dt.timedelta(days=rng.randint(0, span))
            prob = max(prob, earliest)
            full = add_years(prob, 1)
        row["probationary_date"], row["full_member_date"] = prob, full
        row["application_date"] = max(adult - dt.timedelta(days=150), prob - dt.timedelta(days=rng.randint(400, 1400)))
        row["status_since"] = full
        if status == Status.FULL:
            if not posts and not b.retired:
                r = rng.random()
                if r < 0.0015:
                    row["lost_contact_since"] = as_of - dt.timedelta(days=rng.randint(200, 1200))
                elif r < 0.012:
                    row["away_since"] = as_of - dt.timedelta(days=rng.randint(30, 900))
                    row["away_fixed_location"] = rng.random() < 0.6
        elif status in (Status.SUSPENDED, Status.TRANSFERRED_OUT, Status.DECEASED):
            row["status_since"] = max(full, as_of - dt.timedelta(days=rng.randint(10, 700)))

"""TXT-01's boilerplate discount, judged like an inspector: the headers and the stock sentences every 机关 writes
(会议号召全体党员……, 会议要求……提高政治站位……) never make two minutes "copies", however few branches there are;
minutes pasted from one branch into four others are copies, however many branches pasted them; and a closing the
whole city writes is discounted."""
import datetime as dt

from dangjian.textquality import text as T

from .samples import SUBSTANCE, minutes
from .test_copies import branches, meeting, open_subjects, txt01  # noqa: F401

# Stock sentences of the kind 机关 minutes close with, none of them in samples.STOCK_CLOSINGS.
MORE_STOCK = (
    "会议强调，要切实增强“四个意识”、坚定“四个自信”、做到“两个维护”，推动支部各项工作再上新台阶。",
    "与会党员一致表示，将以此为契机，立足本职岗位，奋发有为、担当作为，为高质量发展贡献力量。",
    "会议要求，全体党员要进一步提高政治站位，充分发挥党员先锋模范作用和支部战斗堡垒作用。",
)


def _with_more_stock(text: str) -> str:
    return text + "\n" + "\n".join(MORE_STOCK)


def test_five_branches_pasting_the_same_minutes_are_each_a_copy_of_the_first(tree, branches):
    from dangjian.orgs.actions import do_create_org

    e = do_create_org(name="第五党支部", type="branch", parent=tree.committee, unit=tree.unit)
    orgs = [branches["a"], branches["b"], branches["c"], branches["d"], e]
    made = [meeting(org, dt.date(2025, 3, 1 + i), SUBSTANCE["a_q1"]) for i, org in enumerate(orgs)]
    txt01()
    # The first is the original; each of the four later ones is a copy — pasting the same text into more
    # branches' minutes does not turn it into "boilerplate".
    assert open_subjects() == {m.pk for m in made[1:]}


def test_two_branches_sharing_only_headers_and_stock_sentences_are_not_copies(tree):
    # A DJX file with two branches: with only two organisations, no sentence is written by four, so the
    # frequency alone would count every stock sentence as substance.
    a = meeting(tree.a, dt.date(2025, 3, 10), _with_more_stock(SUBSTANCE["a_q1"]))
    b = meeting(tree.b, dt.date(2025, 3, 20), _with_more_stock(SUBSTANCE["b_q1"]), chair="赵志强", recorder="孙丽")
    txt01(txt01_jaccard=0.3, txt01_copied_share=0.3)
    assert open_subjects() == set()
    corpus = T.Corpus([T.Doc(key=m.pk, org=m.org_id, order=m.date, text=m.minutes) for m in (a, b)])
    for d in corpus.docs:
        assert "会议号召" not in d.content and "再上新台阶" not in d.content and "一致表示" not in d.content
        assert "会议时间" not in d.content and "主持人" not in d.content
    assert "党员先锋岗" in corpus.docs[0].content and "除雪" in corpus.docs[1].content


def test_a_stock_sentence_is_recognised_by_its_phrases_not_by_a_concrete_request():
    assert T.is_stock(T.sentence_key(T.sentences(MORE_STOCK[0])[0]))
    assert T.is_stock(T.sentence_key(T.sentences("会议号召全体党员要以更加饱满的热情、更加务实的作风，扎实做好各项工作。")[0]))
    # The same lead ("会议要求") with a concrete task is substance.
    assert not T.is_stock(T.sentence_key(T.sentences("会议要求综合科在一月十五日前协调物业完成候车室暖气检修。")[0]))
    assert not T.is_stock(T.sentence_key(T.sentences("会议要求全体党员在3月底前完成党费补缴。")[0]))


_CN = "零一二三四五六七八九"


def _cn(i: int) -> str:
    return "".join(_CN[int(c)] for c in str(i))


def _city(n_orgs: int, closings: tuple[str, ...]) -> T.Corpus:
    """One minutes per org: its own business (different words in each org) and the city's common closings."""
    docs = []
    for i in range(n_orgs):
        n = _cn(i)
        own = (f"会议研究了第{n}工区的安全生产检查安排。决定由第{n}组负责隐患整改并建立整改台账。"
               f"会议讨论了第{n}批新职工岗前培训的课程设置问题。")
        docs.append(T.Doc(key=i, org=i, order=i, text=minutes(f"2025年3月{i % 28 + 1}日", "会议室", "王建国", 12, 11,
                                                              "李红梅", own) + "\n" + "\n".join(closings)))
    return T.Corpus(docs, boilerplate_orgs=4)


def test_a_closing_written_by_thirty_orgs_is_discounted():
    # Not in the stock list: the city's own closings, discounted because thirty organisations write them.
    closings = ("全市交通运输系统要对标对表市委市政府年度目标任务，确保全年任务如期完成。",
                "请各党支部于每月最后一个工作日前将学习情况报机关党委组织科备案。")
    corpus = _city(30, closings)
    assert all("对标对表" not in d.content and "组织科备案" not in d.content for d in corpus.docs)
    assert "安全生产检查" in corpus.docs[0].content


def test_a_sentence_four_orgs_write_in_a_city_of_a_thousand_is_not_boilerplate():
    # Four branches of a thousand sharing a sentence is copying, not the city's boilerplate: a sentence is
    # common only when max(txt01_boilerplate_orgs, share × orgs) organisations write it.
    shared = "会议研究了东站候车室暖气不足的问题，决定由综合科协调物业在本月十五日前完成检修并报告整改情况。"
    docs = [T.Doc(key=i, org=i, order=i, text=f"会议讨论了第{i}项工作的具体安排和分工落实情况。" + (shared if i < 4 else ""))
            for i in range(1000)]
    assert "东站候车室" not in T.Corpus(docs, boilerplate_orgs=4, boilerplate_share=0).docs[0].content
    assert "东站候车室" in T.Corpus(docs, boilerplate_orgs=4, boilerplate_share=0.01).docs[0].content

"""Our own DJX files for the DEV rules (data/dev-*.djx.json with *.expected.json in the shared
example's format): in each, 李明's recruitment file breaks the rule at its boundary and 赵华's, one
day or one person on the right side, does not — judged by `check` and the shared compare.py, so that
`dangjian check dangjian/recruitment/tests/data/dev-15.djx.json` shows the same to anyone. The files
are written from `cases.BROKEN` (`python -m dangjian.recruitment.tests.test_djx_files`); a test keeps
them in step."""
import json
import sys
from pathlib import Path

import pytest

from dangjian.djx.check import check_document
from dangjian.djx.tests.test_example_expectations import compare

from . import cases as c
from .test_check_cases import BROKEN, FILE_KEYS

DATA = Path(__file__).parent / "data"


# The right side of the boundary where it is not the complete file itself.
CLEAN_SIDE = {"DEV-22": (c.add({"step": "extension", "date": "2025-06-10", "months": 12}),
                         {"full_member_date": "2026-06-05"}),
              "DEV-27": (c.publicity(), {})}


def generated() -> dict[str, tuple[dict, dict]]:
    return {f"dev-{rid[4:]}": c.case_file(rid, *BROKEN[rid][:1], *BROKEN[rid][2:], clean=CLEAN_SIDE.get(rid),
                                          file=FILE_KEYS.get(rid))
            for rid in sorted(BROKEN)}


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def test_the_files_are_written_from_the_cases():
    files = generated()
    assert sorted(p.name.removesuffix(".djx.json") for p in DATA.glob("*.djx.json")) == sorted(files)
    for name, (doc, exp) in files.items():
        assert (DATA / f"{name}.djx.json").read_text(encoding="utf-8") == _dump(doc), name
        assert (DATA / f"{name}.expected.json").read_text(encoding="utf-8") == _dump(exp), name


@pytest.mark.parametrize("name", sorted(generated()))
def test_file(db, tmp_path, name):
    doc = json.loads((DATA / f"{name}.djx.json").read_text(encoding="utf-8"))
    exp = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    result = compare(check_document(doc), exp, tmp_path)
    assert result.returncode == 0, f"{name}: {doc['meta']['title']}\n" + result.stdout + result.stderr


if __name__ == "__main__":   # regenerate the files
    DATA.mkdir(exist_ok=True)
    for name, (doc, exp) in generated().items():
        (DATA / f"{name}.djx.json").write_text(_dump(doc), encoding="utf-8")
        (DATA / f"{name}.expected.json").write_text(_dump(exp), encoding="utf-8")
    sys.stdout.write(f"{len(generated())} 个文件已写入 {DATA}\n")

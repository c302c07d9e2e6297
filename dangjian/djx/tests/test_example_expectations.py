"""Issue 3, Done-when: `dangjian check` on the shared example yields every `must` finding of
`two-branches-2025.expected.json` and none of its `must_not` pairs — judged by the shared
`compare.py` itself, not by a re-implementation of it."""
import json
import subprocess
import sys

from dangjian.djx.check import check_document

from .helpers import example, examples_dir, expected


def compare(found: list, expectation: dict, tmp_path, *prefixes) -> subprocess.CompletedProcess:
    """Run the shared compare.py (or the copy beside these tests) on the findings."""
    script = examples_dir() / "compare.py"
    if not script.exists():
        script = examples_dir().parent / "data" / "compare.py"
    found_path, exp_path = tmp_path / "found.json", tmp_path / "expected.json"
    found_path.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    exp_path.write_text(json.dumps(expectation, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, str(script), str(found_path), str(exp_path), *prefixes],
                          capture_output=True, text=True, timeout=60)


def test_check_on_the_example_meets_every_expectation(db, tmp_path):
    findings = check_document(example())
    result = compare(findings, expected(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compare_itself_fails_on_a_missing_finding(db, tmp_path):
    """The assertion above can fail: with no findings every `must` is reported missing."""
    result = compare([], expected(), tmp_path)
    assert result.returncode == 1
    assert "missing BR-05 org=b2 period=2025Q3" in result.stdout

"""Shared by the DJX tests: the example file of ../shared/examples (a copy lives in data/ for a
checkout without the shared folder)."""
import copy
import functools
import json
from pathlib import Path

from django.conf import settings

NAME = "two-branches-2025"


def examples_dir() -> Path:
    shared = Path(settings.BASE_DIR).parent / "shared" / "examples"
    return shared if (shared / f"{NAME}.djx.json").exists() else Path(__file__).parent / "data"


def example_path() -> Path:
    return examples_dir() / f"{NAME}.djx.json"


@functools.lru_cache(maxsize=1)
def _example() -> dict:
    return json.loads(example_path().read_text(encoding="utf-8"))


def example() -> dict:
    return copy.deepcopy(_example())


def expected() -> dict:
    return json.loads((examples_dir() / f"{NAME}.expected.json").read_text(encoding="utf-8"))


def minimal(**sections) -> dict:
    doc = {"format": "djx/1", "meta": {"as_of": "2025-12-31"}}
    doc.update(sections)
    return doc


def messages(errors) -> list[str]:
    return [str(e) for e in errors]

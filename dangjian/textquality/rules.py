"""TXT- text-quality rules (the platform's own, issue 8): copied text (TXT-01, `copies.py`) and texts that say
nothing or are not what they claim to be (TXT-02 critiques, TXT-03 述职, TXT-04 主题党日, `judgements.py`). Each
module registers its rules with `@rule`; importing them here is what the engine's autodiscovery needs."""
from . import copies, judgements  # noqa: F401

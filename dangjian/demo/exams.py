"""(being written)"""
from __future__ import annotations


def default_for(scale: str) -> bool:
    return False


def load(as_of, seed):
    raise NotImplementedError


def after_engine(stats, as_of) -> None:
    """Steps that need the engine's findings (run once after the demo's engine run)."""

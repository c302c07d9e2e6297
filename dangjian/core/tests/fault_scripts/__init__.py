"""Helpers for the fault tests (test_faults.py): a database that a separate `dangjian` process writes, and a
way to catch that process inside its write transaction and kill it there."""

"""Demo data: a realistic 市直机关 (or, at `province` scale, a 省直机关 with its 直属单位) for trying
the product, for tests and for the benchmarks.

`generator` plans everything deterministically from a seed (pure Python, no database);
`loader` writes the plan with bulk inserts (the tree's materialised paths are computed, not
discovered one `add_child` at a time) and creates one account per persona through the actions.
`orglife` adds two years of organisational life (meetings with attendance, votes, critiques, talks,
民主评议), planned from each branch's people as they are written (small and city by default).
"""

"""`path__subtree=P`: the org tree node with materialised path P and all its descendants.

`path__startswith` compiles to `LIKE 'P%' ESCAPE '\\'`, which SQLite cannot answer from an index, so
a scope filter over a million people scanned them all. The subtree lookup is sargable on both
databases: on SQLite a range on the path's B-tree index (treebeard paths use only 0-9A-Z, all below
'~', and SQLite compares bytes); on PostgreSQL `LIKE 'P%'`, which the `varchar_pattern_ops` index
Django creates beside the unique path index answers whatever the database collation."""
from django.db.models import CharField, Lookup


@CharField.register_lookup
class Subtree(Lookup):
    lookup_name = "subtree"

    def get_db_prep_lookup(self, value, connection):
        return "%s", [str(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _, (prefix,) = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} LIKE %s", [*lhs_params, prefix + "%"]
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, prefix + "~"]

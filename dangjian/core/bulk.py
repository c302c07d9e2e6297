"""Fast bulk writes for imports and demo loads: one prepared statement stepped per row with
`executemany`.

Django's `bulk_create` compiles every value of every object into SQL text in batches (999
parameters on SQLite); for a 40,000-row roster or a million demo people that preparation was most
of the time. These helpers adapt each column once and let the driver step the statement. They
bypass model signals (so django-auditlog keeps no field diffs for such rows): callers write their
own AuditEvents, in bulk, with masked ID numbers only."""
from __future__ import annotations

from django.utils import timezone

_CHUNK = 5000


def chunks(seq, n=_CHUNK):
    seq = list(seq)
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _adapters(fields):
    """Per field, how a Python value becomes a database parameter (what the ORM's compiler does
    per value, done once per column)."""
    from django.db import connection
    from django.db import models as m

    out = []
    for f in fields:
        if isinstance(f, m.DateTimeField):
            out.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(f, m.DateField):
            out.append(connection.ops.adapt_datefield_value)
        elif isinstance(f, m.JSONField):
            out.append(lambda v, f=f: f.get_db_prep_save(v, connection))
        else:
            out.append(None)
    return out


def insert_objects(model, objs, now) -> None:
    """INSERT with executemany: one prepared statement stepped per row. `bulk_create` compiles every
    value into SQL text in batches of 999 parameters on SQLite, which made it most of a 40,000-row
    import's time. Objects must be fully built (defaults applied by the model's __init__)."""
    from django.db import connection

    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for o in objs:
                setattr(o, f.attname, now)
    adapt = _adapters(fields)
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for chunk in chunks(objs, 5000):
            cursor.executemany(sql, [tuple(a(getattr(o, n)) if a and getattr(o, n) is not None else getattr(o, n)
                                           for n, a in zip(attnames, adapt)) for o in chunk])


def update_objects(model, objs, attnames) -> None:
    """UPDATE … WHERE id = %s with executemany, for objects that change the same columns."""
    from django.db import connection

    fields = [model._meta.get_field(n) for n in attnames]
    adapt = _adapters(fields)
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(model._meta.db_table)} SET {', '.join(qn(f.column) + ' = %s' for f in fields)} "
           f"WHERE {qn(model._meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        for chunk in chunks(objs, 5000):
            cursor.executemany(sql, [tuple(a(getattr(o, f.attname)) if a and getattr(o, f.attname) is not None
                                           else getattr(o, f.attname) for f, a in zip(fields, adapt)) + (o.pk,)
                                     for o in chunk])


class RawInserter:
    """INSERT … VALUES with executemany for one model: the ORM's bulk_create spends most of its
    time preparing each value of each object, which for a million people is most of the load.
    Values must already be what the driver takes (str, int, bool, date — both SQLite, where Django
    registers the date adapter, and psycopg accept dates); fields not given get their default."""

    def __init__(self, model, attnames: list[str], batch: int = 2000):
        from django.db import connection

        self.connection = connection
        self.batch = batch
        fields = {f.attname: f for f in model._meta.concrete_fields}
        now = timezone.now()
        self.constants = {}
        for name, f in fields.items():
            if name in attnames or f.primary_key and name not in attnames:
                continue
            value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            self.constants[name] = f.get_db_prep_save(value, connection)
        self.attnames = list(attnames)
        columns = [fields[a].column for a in self.attnames] + [fields[a].column for a in self.constants]
        qn = connection.ops.quote_name
        self.sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})")
        self.tail = tuple(self.constants.values())

    def insert(self, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            for i in range(0, len(rows), self.batch):
                cursor.executemany(self.sql, [r + self.tail for r in rows[i:i + self.batch]])

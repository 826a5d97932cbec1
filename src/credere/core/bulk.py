"""Writing many rows fast: chunks small enough for any database's parameter limit, inserts
through PostgreSQL's ``COPY`` and updates as one statement per chunk (used by the bulk paths of
imports, statement imports and matching runs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, models


def chunks[T](items: Sequence[T], size: int = 900) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def insert_rows[M: models.Model](model: type[M], objs: Sequence[M], *, batch_size: int = 2000) -> list[M]:
    """Insert ``objs`` as ``bulk_create`` does — the fields' own ``pre_save`` (``auto_now_add``) and
    preparation (amounts as scaled integers), primary keys set on the objects — but on PostgreSQL
    through ``COPY ... FROM STDIN`` with keys drawn from the table's sequence first.

    ``bulk_create`` compiles an ``INSERT`` with every value as a parameter and psycopg quotes each
    into the statement's text, about 20 µs a value in Python; ``COPY`` streams the prepared values
    (ADR 0007). Other databases get ``bulk_create``. No signals are sent (``bulk_create`` sends none)."""
    if not objs:
        return list(objs)
    connection = connections[model._default_manager.db]
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs, batch_size=batch_size)
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    fields = list(opts.concrete_fields)
    quote = connection.ops.quote_name
    for obj in objs:  # a related object saved since it was assigned gives its key, as in bulk_create
        obj._prepare_related_fields_for_save(operation_name="insert_rows")  # type: ignore[attr-defined]
    missing = [o for o in objs if o.pk is None]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        if missing:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [quote(opts.db_table), str(pk.column), len(missing)])
            for obj, (key,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = key
        columns = ", ".join(quote(str(f.column)) for f in fields)
        raw = cursor.cursor  # the driver's cursor, in the same transaction
        for part in chunks(objs, batch_size):
            rows = [[f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields] for o in part]
            with raw.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objs)


def update_rows(model: type[models.Model], objs: Sequence[models.Model], names: list[str]) -> None:
    """``UPDATE ... WHERE pk = %s`` for each object, as one ``executemany`` (on PostgreSQL, one
    ``UPDATE ... FROM unnest(...)`` per five thousand objects).

    ``QuerySet.bulk_update`` builds a ``CASE WHEN`` expression per field and row, which
    costs about 2 ms a row in the ORM alone; this writes the same values (prepared by the
    fields themselves, so amounts become scaled integers exactly as in ``save()``).
    """
    if not objs:
        return
    connection = connections[model._default_manager.db]
    quote = connection.ops.quote_name
    fields = [f for f in (model._meta.get_field(n) for n in names) if isinstance(f, models.Field)]
    assert len(fields) == len(names), "only concrete fields can be updated"
    pk = model._meta.pk
    assert pk is not None
    params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields]
              + [pk.get_db_prep_save(o.pk, connection)] for o in objs]
    table, key = quote(model._meta.db_table), quote(str(pk.column))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one statement per chunk, ``UPDATE ... FROM unnest(arrays)``, its arrays bound by the server
            # (a cursor binding on the server: no value is quoted into the statement's text in Python)
            import psycopg

            casts = [str(f.cast_db_type(connection) or f.db_type(connection)) for f in [*fields, pk]]
            cols = [f"v{i}" for i in range(len(casts))]
            arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
            sets = ", ".join(f"{quote(str(f.column))} = v.{n}" for f, n in zip(fields, cols, strict=False))
            statement = (f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({', '.join(cols)}) "
                         f"WHERE {table}.{key} = v.{cols[-1]}")
            with psycopg.Cursor(cursor.cursor.connection) as bound:
                for part in chunks(params, 5000):
                    bound.execute(statement, [list(column) for column in zip(*part, strict=True)])
            return
        sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {key} = %s", params)

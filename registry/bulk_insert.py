"""Inserting many rows at once: PostgreSQL's COPY, or Django's bulk_create elsewhere.

``bulk_create`` builds one large INSERT and prepares every value through the
query compiler, which costs more than the validation of the row itself. On
PostgreSQL the batch writer instead takes primary keys from the table's
sequence in one query and streams the rows with ``COPY``, the database's own
bulk load, in its binary format where every column's type allows. The rows
are the same; only the way they travel differs. Values that psycopg adapts
natively (numbers, text, booleans, dates, decimals) are sent as they are; any
other field prepares its value as Django would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter, itemgetter

from django.db import connection, models

NATIVE = (int, str, bool, float, Decimal, date, datetime, type(None))
# Fields whose stored value is the Python value itself, which psycopg adapts.
PLAIN_FIELDS = (
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.DateField,
    models.TextField,
    models.ForeignKey,
)
BATCH_SIZE = 1000
# Column types sent in COPY's binary format, which spares psycopg and the server the
# writing and parsing of text: numbers, text, flags, dates and aware date-times.
# A table with a column of any other type (numeric, float, uuid, json, ...) goes as text.
BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "varchar": "varchar",
    "text": "text",
    "boolean": "bool",
    "timestamp with time zone": "timestamptz",
    "date": "date",
}


def field_values(attnames: Sequence[str]) -> Callable[[models.Model], tuple]:
    """A function giving an instance's values of ``attnames`` as a tuple.

    It reads them from the instance's ``__dict__``, where Django keeps loaded
    field values, and goes through the attributes (which load a deferred field)
    only for an instance that lacks one.
    """
    from_dict, from_attributes = itemgetter(*attnames), attrgetter(*attnames)
    single = len(attnames) == 1  # the getters give the value itself, not a tuple of one

    def values(instance: models.Model) -> tuple:
        try:
            found = from_dict(instance.__dict__)
        except KeyError:
            found = from_attributes(instance)
        return (found,) if single else found

    return values


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


_SEQUENCES: dict[tuple[str, str], str] = {}


def _sequence(model: type[models.Model]) -> str:
    """The name of the sequence behind the model's primary key, looked up once."""
    key = (model._meta.db_table, model._meta.pk.column)
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", list(key))
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def allocate_pks(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's sequence, as INSERT would take them."""
    if not count:
        return []
    sequence = _sequence(model)
    with connection.cursor() as cursor:
        # The sequence is named as a constant: looked up once, not once for every key.
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]


LOOKUP_SIZE = 500


def existing_slugs(model: type[models.Model], slugs: Iterable[str]) -> set[str]:
    """The slugs among ``slugs`` that rows of ``model`` already have.

    On PostgreSQL the slugs travel as arrays of a few hundred, one parameter
    each instead of one per slug, and each is looked up in the unique index on
    its own (a LATERAL subquery with LIMIT, which the planner cannot turn into a
    join). As ``slug = ANY(array)``, the planner read the whole table instead
    once an import had brought it past some 60,000 rows: at the default
    ``random_page_cost`` a few hundred index lookups cost more than that, though
    they took 0.4 ms against 8 ms.
    """
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return set()
    if not uses_copy():
        return set(
            model._default_manager.filter(slug__in=wanted).order_by().values_list("slug", flat=True)
        )
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field("slug").column)
    found: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), LOOKUP_SIZE):
            cursor.execute(
                "SELECT found.slug FROM unnest(%s::text[]) AS wanted(slug) CROSS JOIN LATERAL "
                f"(SELECT {column} AS slug FROM {table} WHERE {column} = wanted.slug LIMIT 1) found",
                [wanted[start : start + LOOKUP_SIZE]],
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def _is_plain(field: models.Field) -> bool:
    # CharField subclasses from other packages (country codes) may hold objects, not text.
    if isinstance(field, models.CharField):
        return type(field).__module__.startswith(("django.", "registry."))
    return isinstance(field, PLAIN_FIELDS) and type(field).__module__.startswith("django.")


def _preparer(fields: Sequence[models.Field]):
    special = [(index, field) for index, field in enumerate(fields) if not _is_plain(field)]
    if not special:
        return None

    def prepare(row: Sequence) -> list:
        values = list(row)
        for index, field in special:
            value = values[index]
            if not isinstance(value, NATIVE):
                values[index] = field.get_db_prep_save(value, connection)
        return values

    return prepare


def _binary_types(fields: Sequence[models.Field]) -> list[str] | None:
    """The column types for COPY's binary format, or None when a column's type is not one
    whose binary form psycopg writes from the values these rows hold."""
    types = []
    for field in fields:
        db_type = field.db_type(connection)
        name = BINARY_TYPES.get(db_type.split("(")[0].strip()) if db_type else None
        if name is None:
            return None
        types.append(name)
    return types


def _copy(
    model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence]
) -> None:
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    types = _binary_types(fields)
    sql = f"COPY {table} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(sql) as copy:
            if types:
                copy.set_types(types)
            prepare = _preparer(fields)
            for row in rows:
                copy.write_row(prepare(row) if prepare else row)


def insert_rows(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: list[Sequence],
    *,
    with_pks: bool = False,
) -> list[int]:
    """Insert ``rows`` (values in the order of ``attnames``); return their new keys if asked."""
    if not rows:
        return []
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    if uses_copy():
        if not with_pks:
            _copy(model, fields, rows)
            return []
        pks = allocate_pks(model, len(rows))
        _copy(
            model,
            [model._meta.pk, *fields],
            ((pk, *row) for pk, row in zip(pks, rows, strict=True)),
        )
        return pks
    objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
    return [obj.pk for obj in objects]


def insert_instances(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert unsaved model instances, setting their primary keys (and auto_now dates)."""
    if not objects:
        return
    if not uses_copy():
        model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key and not field.generated]
    dated = [
        field
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    for obj in objects:
        for field in dated:
            field.pre_save(obj, True)
    pks = allocate_pks(model, len(objects))
    for obj, pk in zip(objects, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
    values = field_values([model._meta.pk.attname, *(field.attname for field in fields)])
    _copy(model, [model._meta.pk, *fields], (values(obj) for obj in objects))

"""``field__any_of=[…]``: ``in`` for long lists of keys, sent as one array on PostgreSQL.

With a thousand keys, ``in`` makes a thousand placeholders that psycopg splices
into the statement one by one; a chunk of a download asked four such queries.
One array parameter (``= ANY(%s)``) means the same on PostgreSQL. Other
databases get the plain ``IN``.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        if not isinstance(self.rhs, list | tuple | set | frozenset):
            return self.as_sql(compiler, connection)  # a subquery: as ``in`` does
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


# Related fields keep lookups of their own (``RelatedIn`` and the like), so both learn it.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)

"""Building and dropping indexes on tables of millions of rows, for the index migrations
of patients, orders, scheduling and audit (docs/performance.md).

On PostgreSQL every index is built and dropped CONCURRENTLY, so the table can still be
written meanwhile, and a run that failed part-way can be run again. Migrations that
import this rely on its behaviour: change it only in ways every one of them still wants.
"""

from typing import Any, cast

from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

Model = type[models.Model]


def _column(model: Model, field_name: str) -> str:
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field)  # a concrete field, not a reverse relation
    return str(field.column)


def postgres(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


def drop_index(schema_editor: BaseDatabaseSchemaEditor, name: str) -> None:
    # CONCURRENTLY: reads and writes of the table go on while the index goes.
    concurrently = "CONCURRENTLY " if postgres(schema_editor) else ""
    schema_editor.execute(f'DROP INDEX {concurrently}IF EXISTS "{name}"')


def add_index(schema_editor: BaseDatabaseSchemaEditor, model: Model, index: models.Index) -> None:
    """Builds `index`; on PostgreSQL CONCURRENTLY, so the table can still be written
    while a table of millions of rows is indexed, and again after a failed attempt,
    which leaves an invalid index of that name behind."""
    if not postgres(schema_editor):
        schema_editor.add_index(model, index)
        return
    drop_if_invalid(schema_editor, index.name)
    sql = str(index.create_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(sql.replace("INDEX CONCURRENTLY", "INDEX CONCURRENTLY IF NOT EXISTS", 1), params=None)


def drop_if_invalid(schema_editor: BaseDatabaseSchemaEditor, name: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT indisvalid FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE relname = %s",
            [name],
        )
        row = cursor.fetchone()
    if row and row[0]:
        drop_index(schema_editor, name)


def column_indexes(schema_editor: BaseDatabaseSchemaEditor, model: Model, field_name: str) -> list[str]:
    """The indexes on this one column: Django's index of a ForeignKey (and, on PostgreSQL,
    the second, LIKE index of a CharField with db_index)."""
    table = model._meta.db_table
    column = _column(model, field_name)
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def drop_column_indexes(schema_editor: BaseDatabaseSchemaEditor, model: Model, field_name: str) -> None:
    """Drops the indexes on this one column. The foreign key constraint stays: AlterField
    would drop it and validate it again over every row."""
    for name in column_indexes(schema_editor, model, field_name):
        drop_index(schema_editor, name)


def add_column_index(schema_editor: BaseDatabaseSchemaEditor, model: Model, field_name: str) -> None:
    table = model._meta.db_table
    column = _column(model, field_name)
    # Django's own name for a ForeignKey's index, so the reverse migration restores exactly that.
    name = cast(Any, schema_editor)._create_index_name(table, [column], suffix="")
    add_index(schema_editor, model, models.Index(fields=[field_name], name=name))

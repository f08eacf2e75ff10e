"""On PostgreSQL the database itself refuses to change or delete signature
evidence (the models refuse too, on every database)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION signature_evidence_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'signature evidence is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER signature_evidence_append_only
    BEFORE UPDATE OR DELETE ON documents_signature
    FOR EACH ROW EXECUTE FUNCTION signature_evidence_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS signature_evidence_append_only ON documents_signature;
DROP FUNCTION IF EXISTS signature_evidence_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]

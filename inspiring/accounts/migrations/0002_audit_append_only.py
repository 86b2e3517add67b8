"""Make the audit log append-only in the database itself, not only in the application.

PostgreSQL (production): a trigger refuses UPDATE and DELETE of any row, so
not even a bug, a shell session or a raw SQL query can rewrite history.
TRUNCATE is left possible for the test runner's flush and deliberate,
documented retention work.

SQLite (the embedded development database): a trigger refuses UPDATE. DELETE
is not refused there, because Django's test runner empties tables with DELETE
on SQLite; the model and queryset still refuse deletions.
"""

from __future__ import annotations

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION accounts_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditentry_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_refuse_change();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
DROP FUNCTION IF EXISTS accounts_auditentry_refuse_change();
"""

SQLITE_FORWARD = """
CREATE TRIGGER accounts_auditentry_no_update
BEFORE UPDATE ON accounts_auditentry
BEGIN
    SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE is not allowed');
END;
"""

SQLITE_REVERSE = "DROP TRIGGER IF EXISTS accounts_auditentry_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: the SQL has a literal % (a PL/pgSQL placeholder), not a query parameter.
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]

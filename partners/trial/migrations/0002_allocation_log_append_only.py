"""On PostgreSQL the database itself refuses UPDATE and DELETE of allocation log rows (as for the audit trail).

TRUNCATE is left to the table owner (test databases are flushed with it); in production the application's
role does not own the table and has only INSERT and SELECT on it (docs/operations.md).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION trial_allocationlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trial_allocationlog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS trial_allocationlog_no_update_delete ON trial_allocationlog;
CREATE TRIGGER trial_allocationlog_no_update_delete
    BEFORE UPDATE OR DELETE ON trial_allocationlog
    FOR EACH ROW EXECUTE FUNCTION trial_allocationlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS trial_allocationlog_no_update_delete ON trial_allocationlog;
DROP FUNCTION IF EXISTS trial_allocationlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("trial", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

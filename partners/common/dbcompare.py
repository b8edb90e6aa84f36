"""Row counts and checksums of every table, to prove a restored backup equals its source.

Pure psycopg (no Django): used by the backup-and-restore test and by operators after a restore
(`partners backup verify SOURCE_URL RESTORED_URL`, docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql


def table_fingerprints(conn: Any, schema: str = "public") -> dict[str, dict[str, Any]]:
    """For each base table: its row count and an md5 of its rows in a stable order; for each sequence, its value."""
    tables = [row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
        "ORDER BY table_name", [schema])]
    result: dict[str, dict[str, Any]] = {}
    for table in tables:
        query = sql.SQL("SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
                        "FROM {}.{} AS t").format(sql.Identifier(schema), sql.Identifier(table))
        rows, digest = conn.execute(query).fetchone()
        result[table] = {"rows": int(rows), "md5": digest}
    for (sequence,) in conn.execute(
            "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = %s ORDER BY 1", [schema]):
        query = sql.SQL("SELECT last_value, is_called FROM {}.{}").format(sql.Identifier(schema),
                                                                          sql.Identifier(sequence))
        last_value, is_called = conn.execute(query).fetchone()
        result[f"sequence:{sequence}"] = {"last_value": int(last_value), "is_called": bool(is_called)}
    return result


def differences(source: dict[str, dict[str, Any]], restored: dict[str, dict[str, Any]]) -> list[str]:
    """Human-readable differences between two fingerprints; empty when the restore is faithful."""
    problems = []
    for name in sorted(set(source) | set(restored)):
        if name not in restored:
            problems.append(f"{name}: missing from the restored database")
        elif name not in source:
            problems.append(f"{name}: only in the restored database")
        elif source[name] != restored[name]:
            problems.append(f"{name}: source {source[name]} but restored {restored[name]}")
    return problems

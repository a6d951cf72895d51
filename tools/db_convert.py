#!/usr/bin/env python3
"""db_convert.py: rewrites store/domain/web/worker/test code from the SQLite C API to store/db.h.

Mechanical and idempotent: run it from the repository root after merging branches that still
call sqlite3_* (python3 tools/db_convert.py), then build. It leaves alone src/store/db_sqlite.c
(the SQLite backend) and tests/unit/check_hardening.c (converted once by hand: its busy test holds
a raw SQLite lock on purpose).
"""
import pathlib
import re
import sys

KEEP = {"src/store/db_sqlite.c", "tests/unit/check_hardening.c", "tests/unit/check_db.h",
        "tests/unit/check_store_fixture.h"}
# Unit programs whose store may be PostgreSQL (check_db.h); the rest test SQLite itself.
SQLITE_ONLY_TESTS = {"tests/unit/check_query_plans.c"}

RULES = [
    (r'#include <sqlite3\.h>', '#include "store/db.h"'),
    (r'\bsqlite3_stmt\b', 'struct db_stmt'),
    (r'\bsqlite3_int64\b', 'int64_t'),
    # sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT|SQLITE_STATIC) -> db_bind_blob(st, i, p, n)
    (r'sqlite3_bind_blob\(([^;]*?),\s*\(int\)\s*([^;]*?),\s*SQLITE_(?:TRANSIENT|STATIC)\)',
     r'db_bind_blob(\1, \2)'),
    (r'\bsqlite3_bind_int64\(', 'db_bind_int64('),
    (r'\bsqlite3_bind_int\(', 'db_bind_int64('),
    (r'\bsqlite3_bind_null\(', 'db_bind_null('),
    (r'\bsqlite3_column_type\((\w+), (\w+)\) == SQLITE_BLOB', r'!db_col_is_null(\1, \2)'),
    (r'\bsqlite3_column_int64\(', 'db_col_int64('),
    (r'\bsqlite3_column_int\(', 'db_col_int('),
    (r'\bsqlite3_column_blob\(', 'db_col_blob('),
    (r'\bsqlite3_column_bytes\(', 'db_col_bytes('),
    (r'\bsqlite3_step\(', 'db_step('),
    (r'\bsqlite3_finalize\(', 'db_finalize('),
    (r'\bsqlite3_reset\(', 'db_reset('),
    (r'\bsqlite3_clear_bindings\(', 'db_clear_bindings('),
    (r'\bsqlite3_changes\(', 'db_changes('),
    (r'\bsqlite3_errmsg\(', 'db_errmsg('),
    (r'\bsqlite3_db_handle\(', 'db_stmt_db('),
    (r'\bsqlite3_get_autocommit\(([^()]*)\)', r'!db_in_transaction(\1)'),
    (r'\bSQLITE_ROW\b', 'DB_ROW'),
    (r'\bSQLITE_DONE\b', 'DB_DONE'),
    # the connection type last: "sqlite3 *db" -> "struct db *db"
    (r'(?<![\w."])sqlite3(?=\s*\*)', 'struct db'),
]


def convert(text):
    for pattern, repl in RULES:
        text = re.sub(pattern, repl, text)
    return text


def convert_test(text):
    """A unit program opens its store with check_db.h's test_db_open (either engine)."""
    text = re.sub(r'(?<![\w_])db_open\(', 'test_db_open(', text)
    text = re.sub(r'(?<![\w_])db_close\(', 'test_db_close(', text)
    if 'test_db_open(' in text and '#include "check_db.h"' not in text:
        text = text.replace('#include "check_helpers.h"\n',
                            '#include "check_helpers.h"\n#include "check_db.h"\n', 1)
    return text


def main():
    roots = sys.argv[1:] or ["src", "tests/unit"]
    changed = 0
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if path.suffix not in (".c", ".h") or path.as_posix() in KEEP:
                continue
            old = path.read_text()
            new = convert(old)
            name = path.as_posix()
            if name.startswith("tests/unit/check_") and name not in SQLITE_ONLY_TESTS:
                new = convert_test(new)
            if new != old:
                path.write_text(new)
                changed += 1
    print(f"db_convert: {changed} files rewritten")


if __name__ == "__main__":
    main()

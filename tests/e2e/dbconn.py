"""The test suite's engine switch: which store an App gets, and a connection to read it.

PILOTOMAIL_TEST_ENGINE=sqlite (default): a file in the App's folder, read with the sqlite3 module.
PILOTOMAIL_TEST_ENGINE=postgresql: a fresh database on the server at PILOTOMAIL_TEST_DB_URL (the
unit-test fixture's variable too), made here and dropped at stop. Tests read it through psycopg2
(Debian: python3-psycopg2) wrapped to look like sqlite3: `?` and `?N` parameters, rows that index
by position and by name, lastrowid, `with con:` committing. So one test text runs on both engines.
"""
import decimal
import os
import re
import sqlite3
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))

import cluster  # noqa: E402

ENGINES = ("sqlite", "postgresql")


def engine():
    name = os.environ.get("PILOTOMAIL_TEST_ENGINE", "sqlite")
    if name not in ENGINES:
        raise RuntimeError("PILOTOMAIL_TEST_ENGINE must be one of %s, not %r" % (", ".join(ENGINES), name))
    return name


def engine_of(target):
    return "postgresql" if target.startswith(("postgresql://", "postgres://")) else "sqlite"


def choose(folder, shared=None):
    """(engine, PILOTOMAIL_DB value, owned) for a new App in folder; shared: a store to join."""
    if shared:
        return engine_of(shared), shared, False
    if engine() == "sqlite":
        return "sqlite", os.path.join(folder, "pilotomail.db"), True
    server = os.environ.get("PILOTOMAIL_TEST_DB_URL")
    if not server:
        raise RuntimeError("PILOTOMAIL_TEST_ENGINE=postgresql needs PILOTOMAIL_TEST_DB_URL "
                           "(start one: python3 tests/pg/cluster.py start DIR)")
    return "postgresql", cluster.create_database(server, "pm_e2e_" + uuid.uuid4().hex[:16]), True


def drop(eng, target):
    if eng == "postgresql":
        name = target.split("?", 1)[0].rsplit("/", 1)[1]
        cluster.drop_database(target, name)


def connect(eng, target):
    if eng == "sqlite":
        con = sqlite3.connect(target, timeout=30)
        con.row_factory = sqlite3.Row
        return con
    return PgConnection(target)


# -- PostgreSQL, looking like sqlite3 ---------------------------------------------------------------

# Quoted strings and identifiers are copied as they are; ?N, ? and % outside them are translated.
TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?(\d+)|\?|%")


def translate(sql, params):
    """sqlite3's parameter markers to psycopg2's: ('?1 .. ?1 ?2', (a, b)) -> ('%s .. %s %s', [a, a, b])."""
    params = list(params or ())
    out, args, nth = [], [], 0

    def sub(m):
        nonlocal nth
        text = m.group(0)
        if text[0] in "'\"":
            return text.replace("%", "%%")
        if text == "%":
            return "%%"
        if m.group(1):
            args.append(params[int(m.group(1)) - 1])
        else:
            args.append(params[nth])
            nth += 1
        return "%s"
    out = TOKEN.sub(sub, sql)
    return out, args


def sqlite_like(value):
    """A value as sqlite3 would give it: bytes for a blob, int for a whole sum (PostgreSQL's
    sum(bigint) is numeric)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return int(value)
    return value


class Row(tuple):
    """A result row read as r[0] or r["name"], and dict(r), as sqlite3.Row allows."""

    def __new__(cls, values, names):
        r = super().__new__(cls, values)
        r._names = names
        return r

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._names)


class Cursor:
    def __init__(self, con, cur, sql):
        self.con, self.cur, self.sql = con, cur, sql

    def _row(self, values):
        if values is None:
            return None
        return Row([sqlite_like(v) for v in values], [d[0] for d in self.cur.description])

    def fetchone(self):
        return self._row(self.cur.fetchone()) if self.cur.description else None

    def fetchall(self):
        return [self._row(v) for v in self.cur.fetchall()] if self.cur.description else []

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self):
        return self.cur.rowcount

    @property
    def lastrowid(self):
        """The id the INSERT just made (lastval() of this session, as SQLite's rowid); None when the
        session has drawn no id yet (an INSERT into a table keyed by text, as memberships)."""
        import psycopg2.errors
        with self.con.raw.cursor() as c:
            if self.con.in_tx:  # a failed statement would abort the test's transaction
                c.execute("SAVEPOINT lastrowid")
            try:
                c.execute("SELECT lastval()")
                return c.fetchone()[0]
            except psycopg2.errors.ObjectNotInPrerequisiteState:
                if self.con.in_tx:
                    c.execute("ROLLBACK TO SAVEPOINT lastrowid")
                return None


class PgConnection:
    """As sqlite3 does by default: a write opens a transaction that commit() ends; a read alone
    opens none (so a connection kept open by a test holds no snapshot or lock)."""

    def __init__(self, url):
        import psycopg2  # Debian python3-psycopg2; only the PostgreSQL pass needs it
        self.raw = psycopg2.connect(url)
        self.raw.autocommit = True
        self.in_tx = False

    def execute(self, sql, params=()):
        text, args = translate(sql, params)
        cur = self.raw.cursor()
        if not self.in_tx and sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            cur.execute("BEGIN")
            self.in_tx = True
        cur.execute(text, args)
        return Cursor(self, cur, sql)

    def executemany(self, sql, seq):
        for params in seq:
            self.execute(sql, params)

    def _end(self, how):
        if self.in_tx:
            self.in_tx = False
            with self.raw.cursor() as c:
                c.execute(how)

    def commit(self):
        self._end("COMMIT")

    def rollback(self):
        self._end("ROLLBACK")

    def close(self):
        self.rollback()  # as sqlite3: what was not committed is lost
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.rollback()
        return False

/*
 * test_db.c: the store's engine seam (db.h) on one engine: SQLite in a
 * temporary file, or the PostgreSQL that REBOUND_TEST_DB names (a
 * postgresql:// URI: tests/db-pg.sh starts a private one).  The same
 * calls must give the same answers on both: parameters in SQLite's
 * forms, types, rows, changes, ids, the conflict clauses, LIMIT, a
 * rollback, an error, writes sent without waiting (db_send), a big read
 * (db_many: PostgreSQL's cursor) with other statements in its middle,
 * and the migrations from empty.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "db.h"
#include "sql.h"

static struct db *db;

static struct db_stmt *
prepare(const char *sql)
{
	g_autoptr(GError) error = NULL;
	struct db_stmt *st = db_prepare(db, sql, &error);

	g_assert_no_error(error);
	g_assert_nonnull(st);
	return st;
}

/* The one text value a statement gives, after binds of a and b. */
static char *
text_of(const char *sql, const char *a, gint64 b)
{
	struct db_stmt *st = prepare(sql);
	char *v;

	db_bind_text(st, 1, a);
	db_bind_int64(st, 2, b);
	g_assert_cmpint(db_step(st), ==, DB_ROW);
	v = g_strdup(db_column_text(st, 0));
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	db_finalize(st);
	return v;
}

static void
exec(const char *sql)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(db_exec(db, sql, &error));
	g_assert_no_error(error);
}

/* ?N and ? as SQLite numbers them; a "?" in quotes is no parameter. */
static void
test_params(void)
{
	g_autofree char *a = text_of("SELECT ?1 || '?' || ?2 || ?1", "x", 7);
	g_autofree char *b = text_of("SELECT ? || '-' || ?", "it's", 12);

	g_assert_cmpstr(a, ==, "x?7x");
	g_assert_cmpstr(b, ==, "it's-12");
}

/* Numbers past 32 bits, text as given, a text NULL for a filter. */
static void
test_types(void)
{
	struct db_stmt *st = prepare("SELECT ?1, ?2, ?3 IS NULL, ?4 IS NULL, "
	    "?5");

	db_bind_int64(st, 1, G_GINT64_CONSTANT(-9007199254740993));
	db_bind_text(st, 2, "Zoë \"quoted\" 'too'");
	db_bind_text(st, 3, NULL);
	db_bind_text(st, 4, "x");
	g_assert_cmpint(db_step(st), ==, DB_ROW);
	g_assert_cmpint(db_column_int64(st, 0), ==,
	    G_GINT64_CONSTANT(-9007199254740993));
	g_assert_cmpstr(db_column_text(st, 1), ==, "Zoë \"quoted\" 'too'");
	g_assert_cmpint(db_column_int(st, 2), ==, 1);
	g_assert_cmpint(db_column_int(st, 3), ==, 0);
	g_assert_true(db_column_null(st, 4));	/* unbound */
	g_assert_null(db_column_text(st, 4));
	db_reset(st);
	db_finalize(st);
}

/* Rows in order, DONE, and again after a reset with new bindings. */
static void
test_rows(void)
{
	struct db_stmt *st;
	int round, n;

	exec("INSERT INTO hook_cursors (hook, last_event) VALUES "
	    "('rows-a', 1), ('rows-b', 2), ('rows-c', 3)");
	st = prepare("SELECT hook FROM hook_cursors WHERE hook LIKE 'rows-%' "
	    "AND last_event >= ? ORDER BY hook LIMIT ?");
	for (round = 0; round < 2; round++) {
		db_bind_int64(st, 1, round + 1);
		db_bind_limit(st, 2, -1);
		for (n = 0; db_step(st) == DB_ROW; n++)
			g_assert_cmpint(db_column_text(st, 0)[5], ==,
			    'a' + round + n);
		g_assert_cmpint(n, ==, 3 - round);
		db_reset(st);
	}
	db_bind_int64(st, 1, 0);
	db_bind_limit(st, 2, 1);
	g_assert_cmpint(db_step(st), ==, DB_ROW);
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	db_finalize(st);
}

/* Rows changed; INSERT OR IGNORE and OR REPLACE as SQLite has them. */
static void
test_changes(void)
{
	struct db_stmt *st;

	exec("INSERT INTO hook_cursors (hook, last_event) VALUES "
	    "('chg-a', 1), ('chg-b', 1)");
	st = prepare("UPDATE hook_cursors SET last_event = ?1 "
	    "WHERE hook LIKE 'chg-%'");
	db_bind_int64(st, 1, 5);
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	g_assert_cmpint(db_changes(db), ==, 2);
	db_finalize(st);
	st = prepare("INSERT OR IGNORE INTO hook_cursors (hook, last_event) "
	    "VALUES (?, ?)");
	db_bind_text(st, 1, "chg-a");
	db_bind_int64(st, 2, 9);
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	g_assert_cmpint(db_changes(db), ==, 0);
	db_finalize(st);
	st = prepare("INSERT OR REPLACE INTO hook_cursors (hook, last_event) "
	    "VALUES (?, ?)");
	db_bind_text(st, 1, "chg-a");
	db_bind_int64(st, 2, 9);
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	db_finalize(st);
	g_autofree char *v = text_of("SELECT CAST(last_event AS TEXT) FROM "
	    "hook_cursors WHERE hook = ?1 AND ?2 = 0", "chg-a", 0);
	g_assert_cmpstr(v, ==, "9");
}

/* The id an insert made, growing. */
static void
test_last_id(void)
{
	gint64 first, second;

	exec("INSERT INTO incidents (kind, grp, opened, first, last, state, "
	    "addresses, outcomes) VALUES ('domain', 'a.example', 1, 1, 1, "
	    "'open', 1, 1)");
	first = db_last_id(db);
	exec("INSERT INTO incidents (kind, grp, opened, first, last, state, "
	    "addresses, outcomes) VALUES ('domain', 'b.example', 1, 1, 1, "
	    "'open', 1, 1)");
	second = db_last_id(db);
	g_assert_cmpint(first, >, 0);
	g_assert_cmpint(second, ==, first + 1);
}

/* A rollback leaves nothing; the transaction is seen open, then not. */
static void
test_rollback(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *n = NULL;

	g_assert_false(db_in_transaction(db));
	g_assert_true(db_begin(db, &error));
	g_assert_true(db_in_transaction(db));
	exec("INSERT INTO hook_cursors (hook, last_event) VALUES ('rb', 1)");
	db_rollback(db);
	g_assert_false(db_in_transaction(db));
	n = text_of("SELECT CAST(count(*) AS TEXT) FROM hook_cursors "
	    "WHERE hook = ?1 AND ?2 = 0", "rb", 0);
	g_assert_cmpstr(n, ==, "0");
}

/*
 * The numbers 1..n, a big read (db_many()): n past the cursor's chunks
 * of 10,000 on PostgreSQL, and on a chunk's boundary.
 */
static struct db_stmt *
many_rows(void)
{
	struct db_stmt *st = prepare("WITH RECURSIVE n(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n");

	db_many(st);
	return st;
}

/* Steps st k rows on from row 'at' (rows say their own number). */
static gint64
many_step(struct db_stmt *st, gint64 at, gint64 k)
{
	gint64 i;

	for (i = 0; i < k; i++) {
		g_assert_cmpint(db_step(st), ==, DB_ROW);
		g_assert_cmpint(db_column_int64(st, 0), ==, at + i + 1);
	}
	return at + k;
}

static void
many_whole(gint64 n)
{
	struct db_stmt *st = many_rows();

	db_bind_int64(st, 1, n);
	g_assert_cmpint(many_step(st, 0, n), ==, n);
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	db_finalize(st);
}

/*
 * A big read gives every row in order, alone or in a transaction; an
 * other statement in the middle of it, and a read given up early, leave
 * both it and the connection as they were.
 */
static void
test_many(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *n = NULL;
	struct db_stmt *st;
	gint64 at;

	many_whole(25001);
	many_whole(20000);
	g_assert_true(db_begin(db, &error));
	many_whole(10001);
	g_assert_true(db_commit(db, &error));

	st = many_rows();
	db_bind_int64(st, 1, 35000);
	at = many_step(st, 0, 12345);
	exec("INSERT INTO hook_cursors (hook, last_event) VALUES ('many', 1)");
	at = many_step(st, at, 25000 - at);
	g_assert_true(db_begin(db, &error));
	exec("INSERT INTO hook_cursors (hook, last_event) VALUES ('gone', 1)");
	db_rollback(db);
	at = many_step(st, at, 35000 - at);
	g_assert_cmpint(db_step(st), ==, DB_DONE);
	db_reset(st);

	db_bind_int64(st, 1, 30000);
	many_step(st, 0, 3);
	db_reset(st);		/* given up early */
	db_finalize(st);
	n = text_of("SELECT min(hook) || CAST(count(*) AS TEXT) FROM "
	    "hook_cursors WHERE hook IN (?1, 'gone') AND ?2 = 0", "many", 0);
	g_assert_cmpstr(n, ==, "many1");
	g_assert_false(db_in_transaction(db));
	g_assert_no_error(error);
}

/* A bad statement is an error with a message, and the next one runs. */
static void
test_error(void)
{
	g_autoptr(GError) error = NULL;
	struct db_stmt *st = db_prepare(db, "SELECT nosuchcolumn FROM "
	    "hook_cursors", &error);
	g_autofree char *v = NULL;

	/* SQLite says so at prepare, PostgreSQL at the first step. */
	if (st != NULL) {
		g_assert_cmpint(db_step(st), ==, DB_ERROR);
		db_reset(st);
		db_finalize(st);
	}
	g_assert_nonnull(strstr(db_errmsg(db), "nosuchcolumn"));
	v = text_of("SELECT ?1 || ?2", "still", 1);
	g_assert_cmpstr(v, ==, "still1");
}

/* hook_cursors' row (hook, n) by st, sent with no answer waited for. */
static int
send_cursor(struct db_stmt *st, const char *hook, gint64 n)
{
	int rc;

	db_bind_text(st, 1, hook);
	db_bind_int64(st, 2, n);
	rc = db_send(st);
	db_reset(st);
	return rc;
}

/*
 * Writes sent in a transaction are made in order, seen by the next
 * statement and committed with it; one that fails fails what follows
 * (at the latest the commit), and a rollback leaves none of them.
 */
static void
test_send(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *n = NULL, *after = NULL;
	struct db_stmt *st = prepare("INSERT INTO hook_cursors (hook, "
	    "last_event) VALUES (?1, ?2)");

	/* One statement, sent again and again: the first prepares it. */
	g_assert_true(db_begin(db, &error));
	g_assert_cmpint(send_cursor(st, "s1", 1), ==, DB_DONE);
	g_assert_cmpint(send_cursor(st, "s2", 2), ==, DB_DONE);
	g_assert_cmpint(send_cursor(st, "s3", 3), ==, DB_DONE);
	n = text_of("SELECT CAST(sum(last_event) AS TEXT) FROM hook_cursors "
	    "WHERE hook LIKE ?1 AND ?2 = 0", "s_", 0);
	g_assert_cmpstr(n, ==, "6");
	g_assert_cmpint(send_cursor(st, "s4", 4), ==, DB_DONE);
	g_assert_true(db_commit(db, &error));
	g_assert_no_error(error);
	g_assert_false(db_in_transaction(db));

	/* s1 again breaks the key: SQLite says so at once, PostgreSQL at
	 * the commit it went along with. */
	g_assert_true(db_begin(db, &error));
	if (send_cursor(st, "s1", 9) != DB_ERROR) {
		g_assert_false(db_commit(db, &error));
		g_assert_nonnull(error);
	}
	db_rollback(db);
	g_assert_false(db_in_transaction(db));
	after = text_of("SELECT CAST(sum(last_event) AS TEXT) FROM hook_cursors "
	    "WHERE hook LIKE ?1 AND ?2 = 0", "s_", 0);
	g_assert_cmpstr(after, ==, "10");
	db_finalize(st);
}

/* The one integer a statement without parameters gives. */
static gint64
int_of(struct db *on, const char *sql)
{
	g_autoptr(GError) error = NULL;
	struct db_stmt *st = db_prepare(on, sql, &error);
	gint64 v;

	g_assert_no_error(error);
	g_assert_cmpint(db_step(st), ==, DB_ROW);
	v = db_column_int64(st, 0);
	db_finalize(st);
	return v;
}

/*
 * PostgreSQL ends the session in the middle of a transaction whose
 * writes are in the pipeline (a server shutting down, an administrator's
 * pg_terminate_backend()): the transaction is lost, and the connection
 * is made again for what follows, however libpq was left.  PostgreSQL
 * only: main() adds it there.
 */
static void
test_killed(void)
{
	g_autoptr(GError) error = NULL;
	struct db_options o = { .busy_timeout = 1000 };
	struct db *other;
	struct db_stmt *st;
	g_autofree char *kill = NULL;
	gint64 pid, n = 0;
	int tries, ok = 0;

	other = db_open(g_getenv("REBOUND_TEST_DB"), &o, &error);
	g_assert_no_error(error);
	pid = int_of(db, "SELECT pg_backend_pid()");
	st = prepare("INSERT INTO hook_cursors (hook, last_event) "
	    "VALUES (?1, ?2)");
	g_assert_true(db_begin(db, &error));
	g_assert_cmpint(send_cursor(st, "k1", 1), ==, DB_DONE);
	g_assert_cmpint(send_cursor(st, "k2", 2), ==, DB_DONE);
	g_assert_cmpint(send_cursor(st, "k3", 3), ==, DB_DONE);
	kill = g_strdup_printf("SELECT count(*) FROM (SELECT "
	    "pg_terminate_backend(%" G_GINT64_FORMAT ")) t", pid);
	g_assert_cmpint(int_of(other, kill), ==, 1);
	g_assert_cmpint(send_cursor(st, "k4", 4), !=, DB_ROW);
	g_assert_false(db_commit(db, &error));
	g_clear_error(&error);
	db_rollback(db);
	/* The first statement after may still meet the old session. */
	for (tries = 0; tries < 3 && !ok; tries++) {
		ok = db_exec(db, "SELECT 1", &error);
		g_test_message("try %d: %s", tries + 1, ok ? "ok" :
		    error->message);
		g_clear_error(&error);
	}
	g_assert_true(ok);
	n = int_of(db, "SELECT count(*) FROM hook_cursors WHERE hook LIKE 'k_'");
	g_assert_cmpint(n, ==, 0);
	db_finalize(st);
	db_close(&other);
}

/* From empty to this build's version, once; a newer one refused. */
static void
test_migrate(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(db_migrate(db, sql_version, 0, &error));
	g_assert_no_error(error);
	g_assert_false(db_migrate(db, sql_version - 1, 0, &error));
	g_assert_nonnull(strstr(error->message, "newer"));
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = NULL, *path = NULL;
	const char *url = g_getenv("REBOUND_TEST_DB");
	struct db_options o = { .sync_full = 0, .busy_timeout = 1000 };
	int rc;

	g_test_init(&argc, &argv, NULL);
	dir = g_dir_make_tmp("test_db.XXXXXX", &error);
	g_assert_no_error(error);
	path = g_build_filename(dir, "db", NULL);
	db = db_open(url != NULL ? url : path, &o, &error);
	g_assert_no_error(error);
	g_assert_true(db_migrate(db, sql_version, 0, &error));
	g_assert_no_error(error);
	g_test_message("engine: %s", db_engine_name(db));
	g_test_add_func("/db/params", test_params);
	g_test_add_func("/db/types", test_types);
	g_test_add_func("/db/rows", test_rows);
	g_test_add_func("/db/changes", test_changes);
	g_test_add_func("/db/last_id", test_last_id);
	g_test_add_func("/db/rollback", test_rollback);
	g_test_add_func("/db/error", test_error);
	g_test_add_func("/db/send", test_send);
	g_test_add_func("/db/many", test_many);
	if (strcmp(db_engine_name(db), "postgresql") == 0)
		g_test_add_func("/db/killed", test_killed);
	g_test_add_func("/db/migrate", test_migrate);
	rc = g_test_run();
	db_close(&db);
	g_unlink(path);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(dir);
	return rc;
}

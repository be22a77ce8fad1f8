/*
 * store.c: one SQLite file holds every outcome with its evidence, and
 * the store module holds every statement on it: the daemon and the CLI
 * ask through store.h and never see SQL or a database handle.  This
 * file opens the database, migrates it, keeps the one cache of prepared
 * statements and the helpers that bind and step them, and the batch
 * transactions; the other store_*.c do each one job (store_int.h).
 *
 * Opening creates or migrates the schema (sql/001-schema.sql, then each
 * numbered migration, tracked in PRAGMA user_version, all embedded at
 * build time: sql.h) and refuses a newer one.  The file is in WAL mode with
 * foreign keys on and synchronous=FULL unless configured otherwise, so
 * that a commit that returned is on disk: the daemon acknowledges mail
 * only after store_commit().  A file that is not a database is reported
 * and left as it is.
 *
 * Messages are added inside a batch (store_begin .. store_commit): one
 * transaction for many messages.  Addresses whose outcomes came out of
 * order (store_record.c) are replayed once each before the commit.
 *
 * The statements are data: each file has its table of them, each
 * prepared with bound parameters on first use and kept until
 * store_close().
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "guard.h"
#include "policy.h"
#include "sql.h"
#include "store.h"
#include "store_int.h"

/* The schema version this build makes: that of the last sql/NNN-*.sql. */
#define STORE_VERSION	sql_version

/* Set *error from the database's last error, prefixed with what failed. */
int
store_error(struct store *s, GError **error, const char *what)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s: %s",
	    s->path, what, sqlite3_errmsg(s->db));
	return 0;
}

int
store_exec(struct store *s, const char *sql, GError **error)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s",
	    s->path, msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return 0;
}

static int
store_version(struct store *s, int *version, GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return store_error(s, error, "not a rebound database");
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_error(s, error, "not a rebound database");
	return 1;
}

/* Bring an older (or new, empty) database to STORE_VERSION. */
static int
store_migrate(struct store *s, int version, GError **error)
{
	g_autofree char *set = NULL;
	int v;

	if (!store_exec(s, "BEGIN IMMEDIATE", error))
		return 0;
	for (v = version; v < STORE_VERSION; v++)
		if (!store_exec(s, sql_migrations[v], error))
			goto fail;
	set = g_strdup_printf("PRAGMA user_version = %d", STORE_VERSION);
	if (!store_exec(s, set, error) || !store_exec(s, "COMMIT", error))
		goto fail;
	return 1;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

static int
store_check_version(struct store *s, enum store_mode mode, GError **error)
{
	int version;

	if (!store_version(s, &version, error))
		return 0;
	if (version > STORE_VERSION) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: database version %d is newer than this rebound "
		    "understands (%d): upgrade rebound", s->path, version,
		    STORE_VERSION);
		return 0;
	}
	if (version == STORE_VERSION)
		return 1;
	if (mode == STORE_READ) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: database version %d needs migrating to %d: open it "
		    "once for writing (rebound import, or reboundd)", s->path,
		    version, STORE_VERSION);
		return 0;
	}
	return store_migrate(s, version, error);
}

/*
 * The statement of sql, prepared on first use and kept until
 * store_close(), ready for its parameters: the cache is keyed by the
 * text's address, each file's own table of statements (store_int.h).
 * A user steps it and then calls store_done(), which leaves it ready
 * again.
 */
sqlite3_stmt *
store_stmt(struct store *s, const char *sql, GError **error)
{
	sqlite3_stmt *st = g_hash_table_lookup(s->stmts, sql);

	if (st != NULL)
		return st;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		store_error(s, error, "preparing a statement");
		return NULL;
	}
	g_hash_table_insert(s->stmts, (gpointer)sql, st);
	return st;
}

void
store_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* sql prepared (store_stmt()), its ?1 ... ?n bound to args[0 .. n). */
sqlite3_stmt *
store_bound(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, sql, error);
	size_t i;

	for (i = 0; st != NULL && i < n; i++) {
		const struct store_arg *a = &args[i];

		if (a->type == STORE_ARG_INT)
			sqlite3_bind_int64(st, (int)i + 1, a->n);
		else if (a->type == STORE_ARG_NONZERO && a->n != 0)
			sqlite3_bind_int64(st, (int)i + 1, a->n);
		else if (a->type == STORE_ARG_TEXT)
			store_bind_filter(st, (int)i + 1, a->text);
		else if (a->type == STORE_ARG_OPT)
			store_bind_text(st, (int)i + 1, a->text);
	}
	return st;
}

/* sql with args, stepped once: a statement that changes rows. */
int
store_run(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, GError **error, const char *what)
{
	sqlite3_stmt *st = store_bound(s, sql, args, n, error);

	return st != NULL && store_step(s, st, error, what);
}

/*
 * sql with args, each row it gives to fn until fn returns 0; then reset.
 * 0 with *error (naming what) if a step failed.
 */
int
store_rows(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, store_row_fn *fn, void *arg, GError **error, const char *what)
{
	sqlite3_stmt *st = store_bound(s, sql, args, n, error);
	int rc;

	if (st == NULL)
		return 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!fn(st, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	return store_rows_end(s, st, rc, error, what);
}

static int
store_string_row(sqlite3_stmt *st, void *arg)
{
	g_ptr_array_add(arg, g_strdup(store_column_text(st, 0)));
	return 1;
}

/* The first column of each row of sql, copied into strings. */
int
store_strings(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, GPtrArray *strings, GError **error, const char *what)
{
	return store_rows(s, sql, args, n, store_string_row, strings, error,
	    what);
}

/* The first column of sql's first row, as a number; 0 when no row. */
int
store_number(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, gint64 *out, GError **error, const char *what)
{
	sqlite3_stmt *st = store_bound(s, sql, args, n, error);
	int rc;

	*out = 0;
	if (st == NULL)
		return 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return store_rows_end(s, st, rc, error, what);
}

/* Pragmas of a writer: WAL, and how hard a commit waits for the disk. */
static int
store_pragmas(struct store *s, const struct conf_store *c,
    enum store_mode mode, GError **error)
{
	if (!store_exec(s, "PRAGMA foreign_keys = ON", error))
		return 0;
	if (mode == STORE_READ)
		return 1;
	/*
	 * A bigger page cache and memory-mapped reads: the digest index is
	 * looked up at random for every message, and the default 2 MB cache
	 * sends those lookups to the disk.
	 */
	return store_exec(s, "PRAGMA journal_mode = WAL", error) &&
	    store_exec(s, c->sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", error) &&
	    store_exec(s, "PRAGMA cache_size = -32768", error) &&
	    store_exec(s, "PRAGMA mmap_size = 268435456", error);
}

static int
store_check_dir(const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
	    "%s: directory %s does not exist", path, dir);
	return 0;
}

static int
store_connect(struct store *s, const struct conf_store *c, int flags,
    GError **error)
{
	g_autofree char *uri = NULL, *escaped = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_open_v2(c->path, &s->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		return store_error(s, error, "cannot open");
	sqlite3_busy_timeout(s->db, c->busy_timeout);
	sqlite3_extended_result_codes(s->db, 1);
	if ((flags & SQLITE_OPEN_READONLY) == 0)
		return 1;
	/*
	 * Reading a WAL database needs its -shm file, which a reader without
	 * write access to the directory cannot create.  When no writer has
	 * it open (no -shm), the file alone is the whole database: read it
	 * as immutable.
	 */
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	if ((sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_CANTOPEN &&
	    (sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_READONLY)
		return 1;	/* the real error shows in the next query */
	sqlite3_close(s->db);
	escaped = g_uri_escape_string(c->path, "/", TRUE);
	uri = g_strdup_printf("file:%s?immutable=1", escaped);
	if (sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return store_error(s, error, "cannot open");
	return 1;
}

static void
store_finalize(gpointer st)
{
	sqlite3_finalize(st);
}

/*
 * The database of c, created or migrated when mode is STORE_WRITE.  Its
 * policy is the defaults' until store_set_policy().
 */
struct store *
store_open(const struct conf_store *c, enum store_mode mode, GError **error)
{
	const char *path = c->path;
	struct store *s;
	int flags = mode == STORE_READ ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	if (mode == STORE_WRITE && !store_check_dir(path, error))
		return NULL;
	if (mode == STORE_READ && !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		    "%s: no such database (rebound import creates it)", path);
		return NULL;
	}
	s = g_new0(struct store, 1);
	s->path = g_strdup(path);
	s->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	    store_finalize);
	s->stale = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	policy_defaults(&s->policy);
	if (!store_connect(s, c, flags, error) ||
	    !store_pragmas(s, c, mode, error) ||
	    !store_check_version(s, mode, error)) {
		store_close(&s);
		return NULL;
	}
	return s;
}

void
store_close(struct store **sp)
{
	struct store *s = *sp;
	int i;

	if (s == NULL)
		return;
	g_hash_table_destroy(s->stmts);
	for (i = 0; i < STORE_NPARTS; i++)
		if (s->parts[i] != NULL)
			s->part_free[i](s->parts[i]);
	sqlite3_close(s->db);
	g_hash_table_destroy(s->stale);
	guard_free(&s->guard);
	g_clear_error(&s->guard_error);
	g_free(s->path);
	g_free(s);
	*sp = NULL;
}

int
store_begin(struct store *s, GError **error)
{
	return store_exec(s, "BEGIN IMMEDIATE", error);
}

/*
 * Address got an outcome out of order (or one of its outcomes was held
 * after the fact): replay its whole history once, with replay
 * (store_fold.c's), before commit.
 */
void
store_stale(struct store *s, const char *address, store_replay_fn *replay)
{
	g_hash_table_add(s->stale, g_strdup(address));
	s->replay = replay;
}

/* Replay, once each, the addresses that got outcomes out of order. */
static int
store_replay_stale(struct store *s, GError **error)
{
	GHashTableIter iter;
	gpointer address;

	g_hash_table_iter_init(&iter, s->stale);
	while (g_hash_table_iter_next(&iter, &address, NULL))
		if (!s->replay(s, address, "replay", error))
			return 0;
	g_hash_table_remove_all(s->stale);
	return 1;
}

int
store_commit(struct store *s, GError **error)
{
	if (store_replay_stale(s, error) && store_exec(s, "COMMIT", error))
		return 1;
	store_rollback(s);
	return 0;
}

/* Between transactions only: the writer's thread must be idle. */
void
store_set_policy(struct store *s, const struct policy *policy)
{
	/* Other guard keys: rebuilt from the database on next use. */
	if (memcmp(&s->policy.guard, &policy->guard, sizeof policy->guard))
		guard_free(&s->guard);
	s->policy = *policy;
}

void
store_rollback(struct store *s)
{
	g_hash_table_remove_all(s->stale);
	/* What the guard decided in the transaction is gone with it. */
	guard_free(&s->guard);
	g_clear_error(&s->guard_error);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *value)
{
	if (value == NULL || *value == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

/* A filter's value, or NULL so that "?N IS NULL" lets every row by. */
void
store_bind_filter(sqlite3_stmt *st, int i, const char *value)
{
	if (value == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

const char *
store_column_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* Step a statement that changes rows or returns at most one; reset it. */
int
store_step(struct store *s, sqlite3_stmt *st, GError **error,
    const char *what)
{
	int rc = sqlite3_step(st);

	store_done(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 1;
	return store_error(s, error, what);
}

/* The end of a loop over rows: reset st; 0 with *error unless done. */
int
store_rows_end(struct store *s, sqlite3_stmt *st, int rc, GError **error,
    const char *what)
{
	store_done(st);
	if (rc == SQLITE_DONE)
		return 1;
	return store_error(s, error, what);
}

/*
 * A statement that counts (one row) or changes rows, with ?1 bound to
 * text, else to number; *n_r gets the count or the rows it changed
 * itself (not those a cascade or a trigger changed).
 */
int
store_count(struct store *s, const char *sql, const char *text,
    gint64 number, gint64 *n_r, GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, sql, error)) == NULL)
		return 0;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, number);
	rc = sqlite3_step(st);
	*n_r = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
	    sqlite3_changes(s->db);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(s, error, "updating the database");
	return 1;
}

/*
 * The addresses a statement names, ?1 bound to number (the expiring
 * messages' cutoff, an incident's id): to replay afterwards.
 */
int
store_addresses_of(struct store *s, const char *sql, gint64 number,
    GPtrArray *addresses, GError **error)
{
	const struct store_arg args[] = { STORE_INT(number) };

	return store_strings(s, sql, STORE_ARGS(args), addresses, error,
	    "finding addresses to replay");
}

/*
 * The state a file of the store keeps in it (enum store_part): made by
 * make on first use, freed by free_fn when the store closes.  store.c
 * knows neither.
 */
void *
store_part(struct store *s, enum store_part which, void *(*make)(void),
    GDestroyNotify free_fn)
{
	if (s->parts[which] == NULL) {
		s->parts[which] = make();
		s->part_free[which] = free_fn;
	}
	return s->parts[which];
}

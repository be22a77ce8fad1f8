/*
 * store.c: one database holds every outcome with its evidence, and the
 * store module holds every statement on it: the daemon and the CLI ask
 * through store.h and never see SQL or a database handle.  This file
 * opens the database on its engine (db.h: a SQLite file, the default,
 * or PostgreSQL for a postgresql:// URI), migrates it, keeps the one
 * cache of prepared statements and the helpers that bind and step them,
 * and the batch transactions; the other store_*.c do each one job
 * (store_int.h) and never name an engine.
 *
 * Opening creates or migrates the schema (sql/001-schema.sql, then each
 * numbered migration, all embedded at build time: sql.h) and refuses a
 * newer one.  A commit that returned is durable on either engine
 * (db_sqlite.c, db_pg.c): the daemon acknowledges mail only after
 * store_commit().  A file that is not a database is reported and left
 * as it is.
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

#include "db.h"
#include "guard.h"
#include "policy.h"
#include "sql.h"
#include "store.h"
#include "store_int.h"

/* The schema version this build makes: that of the last sql/NNN-*.sql. */
#define STORE_VERSION	sql_version

/*
 * The newest outcome: writers take turns to add outcomes
 * (store_lock()), so another writer has recorded outcomes since this
 * one's last commit when it has grown.
 */
static const char store_newest_sql[] =
    "SELECT coalesce(max(id), 0) FROM outcomes";

/* Set *error from the database's last error, prefixed with what failed. */
int
store_error(struct store *s, GError **error, const char *what)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s: %s",
	    s->path, what, db_errmsg(s->db));
	return 0;
}

int
store_exec(struct store *s, const char *sql, GError **error)
{
	return db_exec(s->db, sql, error);
}

/*
 * The statement of sql, prepared on first use and kept until
 * store_close(), ready for its parameters: the cache is keyed by the
 * text's address, each file's own table of statements (store_int.h).
 * A user steps it and then calls store_done(), which leaves it ready
 * again.
 */
struct db_stmt *
store_stmt(struct store *s, const char *sql, GError **error)
{
	struct db_stmt *st = g_hash_table_lookup(s->stmts, sql);

	if (st != NULL)
		return st;
	if ((st = db_prepare(s->db, sql, error)) == NULL)
		return NULL;
	g_hash_table_insert(s->stmts, (gpointer)sql, st);
	return st;
}

void
store_done(struct db_stmt *st)
{
	db_reset(st);
}

/* sql prepared (store_stmt()), its ?1 ... ?n bound to args[0 .. n). */
struct db_stmt *
store_bound(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, GError **error)
{
	struct db_stmt *st = store_stmt(s, sql, error);
	size_t i;

	for (i = 0; st != NULL && i < n; i++) {
		const struct store_arg *a = &args[i];

		if (a->type == STORE_ARG_INT)
			db_bind_int64(st, (int)i + 1, a->n);
		else if (a->type == STORE_ARG_NONZERO && a->n != 0)
			db_bind_int64(st, (int)i + 1, a->n);
		else if (a->type == STORE_ARG_TEXT)
			store_bind_filter(st, (int)i + 1, a->text);
		else if (a->type == STORE_ARG_OPT)
			store_bind_text(st, (int)i + 1, a->text);
		else if (a->type == STORE_ARG_LIMIT)
			db_bind_limit(st, (int)i + 1, a->n);
	}
	return st;
}

/* sql with args, stepped once: a statement that changes rows. */
int
store_run(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, GError **error, const char *what)
{
	struct db_stmt *st = store_bound(s, sql, args, n, error);

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
	struct db_stmt *st = store_bound(s, sql, args, n, error);
	int rc;

	if (st == NULL)
		return 0;
	while ((rc = db_step(st)) == DB_ROW)
		if (!fn(st, arg)) {
			rc = DB_DONE;
			break;
		}
	return store_rows_end(s, st, rc, error, what);
}

static int
store_string_row(struct db_stmt *st, void *arg)
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
	struct db_stmt *st = store_bound(s, sql, args, n, error);
	int rc;

	*out = 0;
	if (st == NULL)
		return 0;
	if ((rc = db_step(st)) == DB_ROW) {
		*out = db_column_int64(st, 0);
		rc = DB_DONE;
	}
	return store_rows_end(s, st, rc, error, what);
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

/* A file must be there to be read, and its directory to be written. */
static int
store_check_file(const char *path, enum store_mode mode, GError **error)
{
	if (mode == STORE_WRITE)
		return store_check_dir(path, error);
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
	    "%s: no such database (rebound import creates it)", path);
	return 0;
}

static void
store_finalize(gpointer st)
{
	db_finalize(st);
}

/*
 * The database of c ([store] url, else path), created or migrated when
 * mode is STORE_WRITE.  Its policy is the defaults' until
 * store_set_policy().
 */
struct store *
store_open(const struct conf_store *c, enum store_mode mode, GError **error)
{
	const char *where = conf_store_where(c);
	g_autofree char *shown = conf_store_shown(where);
	struct db_options o = {
		.shown = shown,
		.readonly = mode == STORE_READ,
		.sync_full = c->sync_full,
		.busy_timeout = c->busy_timeout,
	};
	struct store *s;

	if (!conf_store_check(where, 0, error) ||
	    (!db_is_url(where) && !store_check_file(where, mode, error)))
		return NULL;
	s = g_new0(struct store, 1);
	s->path = g_strdup(shown);
	s->node = g_strdup(c->node != NULL ? c->node : g_get_host_name());
	s->newest = -1;
	s->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	    store_finalize);
	s->stale = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->texts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	policy_defaults(&s->policy);
	if ((s->db = db_open(where, &o, error)) == NULL ||
	    !db_migrate(s->db, STORE_VERSION, o.readonly, error)) {
		store_close(&s);
		return NULL;
	}
	return s;
}

int
store_claim(struct store *s, GError **error)
{
	return db_claim(s->db, error);
}

int
store_lead(struct store *s, const char *duty)
{
	return db_lead(s->db, duty);
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
	db_close(&s->db);
	g_hash_table_destroy(s->stale);
	g_hash_table_destroy(s->texts);
	guard_free(&s->guard);
	g_clear_error(&s->guard_error);
	g_free(s->path);
	g_free(s->node);
	g_free(s);
	*sp = NULL;
}

/* The id of the newest outcome, in *id_r. */
static int
store_newest(struct store *s, gint64 *id_r, GError **error)
{
	const char *sql = db_newest_sql(s->db);

	return store_count(s, sql != NULL ? sql : store_newest_sql, NULL, 0,
	    id_r, error);
}

/*
 * The writers' turn, in a transaction begun without it: after it, this
 * one alone adds outcomes, moves addresses' states, feeds the guard and
 * numbers events, until it commits, so that the ids of outcomes and of
 * events grow in the order the transactions that took them commit (a
 * reader of events by id never passes one that commits later).  When
 * another writer has recorded outcomes since this one's last commit
 * (a second reboundd on PostgreSQL, a "rebound import" beside the
 * daemon), the guard is brought up to date with them (s->sync,
 * store_guard.c's), so that it counts every writer's outcomes.  On
 * PostgreSQL the lock goes in the pipeline with the read of the newest
 * outcome: one round trip.
 */
int
store_lock(struct store *s, GError **error)
{
	const char *sql = db_writers_sql(s->db);
	struct db_stmt *st = NULL;
	gint64 newest;

	if (s->locked)
		return 1;
	if (sql != NULL)
		s->turn_asked = g_get_monotonic_time();
	if (sql != NULL && ((st = store_stmt(s, sql, error)) == NULL ||
	    db_send(st) == DB_ERROR)) {
		if (st != NULL)
			store_done(st);
		return store_error(s, error, "waiting for the writers' turn");
	}
	if (sql != NULL)
		store_done(st);
	/* What the turn will read (its addresses), the newest outcome: one
	   round trip. */
	if ((s->ahead != NULL && !s->ahead->send(s, error)) ||
	    !store_newest(s, &newest, error) ||
	    (s->ahead != NULL && !s->ahead->read(s, error)))
		return 0;
	s->turn_taken = g_get_monotonic_time();
	s->turn_waited += s->turn_taken - s->turn_asked;
	if (newest != s->newest && s->sync != NULL && !s->sync(s, newest,
	    error))
		return 0;
	s->newest = newest;
	s->mine = 0;
	s->locked = 1;
	return 1;
}

/*
 * The turn ends with the transaction: on PostgreSQL the lock goes at
 * the end of COMMIT, after the server has flushed it, so the flush is
 * in the turn (on SQLite too: the file's lock).
 */
static void
store_turn_end(struct store *s)
{
	if (s->locked)
		s->turn_held += g_get_monotonic_time() - s->turn_taken;
	if (s->ahead != NULL)
		s->ahead->end(s);
	s->locked = 0;
}

/*
 * What several writers' rates are bounded by: the time a transaction
 * waits for the writers' turn, from asking (on PostgreSQL the lock's
 * round trip, the newest outcome's read with it; on SQLite BEGIN
 * IMMEDIATE) to having it, and the time it holds it, to the end of its
 * COMMIT or ROLLBACK (the guard's catch-up included).
 */
void
store_turn_seconds(struct store *s, double *waited_r, double *held_r)
{
	*waited_r = s->turn_waited / 1e6;
	*held_r = s->turn_held / 1e6;
}

/*
 * A write transaction that has the writers' turn (store_lock()) from
 * the start: every one but the daemon's batches.
 */
int
store_begin(struct store *s, GError **error)
{
	if (!store_begin_shared(s, error))
		return 0;
	if (store_lock(s, error))
		return 1;
	store_rollback(s);
	return 0;
}

/*
 * A write transaction that takes the writers' turn only when it needs
 * it: what it does before (store_add_message()) goes beside the other
 * writers' transactions on PostgreSQL.  On SQLite its BEGIN takes the
 * turn already.
 */
int
store_begin_shared(struct store *s, GError **error)
{
	s->locked = 0;
	s->turn_asked = g_get_monotonic_time();	/* SQLite's BEGIN */
	if (!db_begin(s->db, error))
		return 0;
	if (db_writers_sql(s->db) != NULL || store_lock(s, error))
		return 1;
	store_rollback(s);
	return 0;
}

/*
 * Whether the transaction that failed lost only to another writer (a
 * deadlock between two PostgreSQL transactions): run again whole, it
 * may succeed.
 */
int
store_retry(struct store *s)
{
	return db_retry(s->db);
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

/*
 * Outcomes given their ids (store_record.c): the engine's next default
 * one set past them (PostgreSQL's identity), sent before the COMMIT.
 */
static int
store_ids_past(struct store *s, GError **error)
{
	const struct store_arg args[] = {
		STORE_TEXT("outcomes"), STORE_INT(s->mine)
	};
	struct db_stmt *st;
	int rc;

	if (db_ids_sql(s->db) == NULL || !s->locked || s->mine == 0)
		return 1;
	if ((st = store_bound(s, db_ids_sql(s->db), STORE_ARGS(args),
	    error)) == NULL)
		return 0;
	rc = db_send(st);
	store_done(st);
	return rc != DB_ERROR || store_error(s, error, "setting ids");
}

/*
 * The newest outcome after it is this transaction's own, if it added
 * any (no one else adds them while it has the writers' turn): no need
 * to ask.
 */
int
store_commit(struct store *s, GError **error)
{
	if (store_replay_stale(s, error) && store_ids_past(s, error) &&
	    db_commit(s->db, error)) {
		g_hash_table_remove_all(s->texts);	/* store_texts.c */
		if (s->locked)
			s->newest = MAX(s->newest, s->mine);
		store_turn_end(s);
		return 1;
	}
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
	g_hash_table_remove_all(s->texts);
	/* What the guard decided in the transaction is gone with it. */
	guard_free(&s->guard);
	g_clear_error(&s->guard_error);
	db_rollback(s->db);
	store_turn_end(s);
}

/* Text, or NULL for an empty one. */
void
store_bind_text(struct db_stmt *st, int i, const char *value)
{
	db_bind_text(st, i, value != NULL && *value != '\0' ? value : NULL);
}

/* A filter's value, or NULL so that "?N IS NULL" lets every row by. */
void
store_bind_filter(struct db_stmt *st, int i, const char *value)
{
	db_bind_text(st, i, value);
}

const char *
store_column_text(struct db_stmt *st, int col)
{
	return db_column_text(st, col);
}

/* The first column of a bound statement's one row, to free; reset it. */
char *
store_first_text(struct db_stmt *st)
{
	char *text = NULL;

	if (db_step(st) == DB_ROW)
		text = g_strdup(store_column_text(st, 0));
	store_done(st);
	return text;
}

/* Step a statement that changes rows or returns at most one; reset it. */
int
store_step(struct store *s, struct db_stmt *st, GError **error,
    const char *what)
{
	int rc = db_step(st);

	store_done(st);
	if (rc == DB_DONE || rc == DB_ROW)
		return 1;
	return store_error(s, error, what);
}

/* The end of a loop over rows: reset st; 0 with *error unless done. */
int
store_rows_end(struct store *s, struct db_stmt *st, int rc, GError **error,
    const char *what)
{
	store_done(st);
	if (rc == DB_DONE)
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
	struct db_stmt *st;
	int rc;

	if ((st = store_stmt(s, sql, error)) == NULL)
		return 0;
	if (text != NULL)
		db_bind_text(st, 1, text);
	else
		db_bind_int64(st, 1, number);
	rc = db_step(st);
	*n_r = rc == DB_ROW ? db_column_int64(st, 0) :
	    db_changes(s->db);
	store_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
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

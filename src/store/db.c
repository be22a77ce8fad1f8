/*
 * db.c: the engine seam (db.h).  It finds the engine that owns a name
 * (a postgresql:// URI or libpq's key=value is PostgreSQL's, anything
 * else a SQLite path),
 * hands each call to it, and keeps what is the same on every engine:
 * transactions and the migrations' loop.  The SQL itself is the
 * store's; the few places where the dialects differ are each engine's
 * (db_sqlite.c, db_pg.c) or its text in the migrations (sql2c.awk).
 */
#include "config.h"

#include <string.h>

#include "db.h"

/* Every engine built in, asked in order: the last owns what is left. */
static const struct db_engine *const db_engines[] = {
	&db_pg,
	&db_sqlite,
};

/*
 * Whether where names a server rather than a file: libpq's URI forms,
 * or its key=value form ("host=/run/postgresql dbname=rebound",
 * "service=rebound"): a word and "=" first.  A file whose name starts
 * so is written ./NAME.
 */
int
db_is_url(const char *where)
{
	const char *p = where + strspn(where, " \t");
	size_t word = strspn(p, "abcdefghijklmnopqrstuvwxyz_");

	if (g_str_has_prefix(where, "postgresql://") ||
	    g_str_has_prefix(where, "postgres://"))
		return 1;
	p += word;
	return word > 0 && p[strspn(p, " \t")] == '=';
}

struct db *
db_open(const char *where, const struct db_options *o, GError **error)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(db_engines); i++)
		if (db_engines[i]->owns(where))
			return db_engines[i]->open(where, o, error);
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
	    "%s: no engine for this database", where);
	return NULL;
}

void
db_close(struct db **dbp)
{
	if (*dbp == NULL)
		return;
	(*dbp)->engine->close(*dbp);
	*dbp = NULL;
}

const char *
db_engine_name(struct db *db)
{
	return db->engine->name;
}

const char *
db_errmsg(struct db *db)
{
	return db->engine->errmsg(db);
}

int
db_exec(struct db *db, const char *sql, GError **error)
{
	return db->engine->exec(db, sql, error);
}

int
db_begin(struct db *db, GError **error)
{
	return db_exec(db, db->engine->begin_sql, error);
}

/*
 * The statement that gives a write transaction its turn among the
 * writers, when db_begin() did not already (PostgreSQL: store.c takes
 * it as late as it can); NULL when it did (SQLite's BEGIN IMMEDIATE).
 */
const char *
db_writers_sql(struct db *db)
{
	return db->engine->writers_sql;
}

int
db_batched(struct db *db)
{
	return db->engine->batched;
}

const char *
db_ids_sql(struct db *db)
{
	return db->engine->ids_sql;
}

const char *
db_newest_sql(struct db *db)
{
	return db->engine->newest_sql;
}

/*
 * Whether the last statement failed only because of another writer (a
 * deadlock, a serialization failure): the transaction, run again whole,
 * may succeed.
 */
int
db_retry(struct db *db)
{
	return db->engine->retry != NULL && db->engine->retry(db);
}

int
db_commit(struct db *db, GError **error)
{
	return db_exec(db, "COMMIT", error);
}

/* Roll back the transaction open, if one is: never fails. */
void
db_rollback(struct db *db)
{
	if (db->engine->in_transaction(db))
		db_exec(db, "ROLLBACK", NULL);
}

int
db_in_transaction(struct db *db)
{
	return db->engine->in_transaction(db);
}

/* Refuse a version this build cannot use as it is. */
static int
db_check_version(struct db *db, int version, int target, int readonly,
    GError **error)
{
	if (version > target) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: database version %d is newer than this rebound "
		    "understands (%d): upgrade rebound", db->name, version,
		    target);
		return 0;
	}
	if (version < target && readonly) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: database version %d needs migrating to %d: open it "
		    "once for writing (rebound import, or reboundd)", db->name,
		    version, target);
		return 0;
	}
	return 1;
}

/*
 * A migration that fails for want of a right (a role that may not
 * CREATE in PostgreSQL's schema) names what it was doing and who can.
 */
static void
db_migrate_hint(int version, int target, GError **error)
{
	char *was;

	if (error == NULL || *error == NULL)
		return;
	was = (*error)->message;
	(*error)->message = g_strdup_printf("%s (while migrating the schema "
	    "from version %d to %d; it creates tables: if this role may "
	    "not, the database's owner can run it once, with rebound import "
	    "or reboundd)", was, version, target);
	g_free(was);
}

/*
 * Bring the schema from the version it has to target, in one
 * transaction, with the engine's migrations (sql.h); refuse a newer
 * one, and any change when readonly.  The version is read again under
 * the engine's lock, so that of two writers opening an empty database
 * at once, one migrates and the other finds it done.
 */
int
db_migrate(struct db *db, int target, int readonly, GError **error)
{
	int version, v;

	if (!db->engine->version(db, &version, error) ||
	    !db_check_version(db, version, target, readonly, error))
		return 0;
	if (version == target)
		return 1;
	if (!db_begin(db, error))
		return 0;
	if ((db->engine->lock_sql != NULL &&
	    !db_exec(db, db->engine->lock_sql, error)) ||
	    !db->engine->version(db, &version, error) ||
	    !db_check_version(db, version, target, readonly, error))
		goto fail;
	for (v = version; v < target; v++)
		if (!db_exec(db, db->engine->migrations[v], error)) {
			db_migrate_hint(version, target, error);
			goto fail;
		}
	if (db->engine->set_version(db, target, error) &&
	    db_commit(db, error))
		return 1;
fail:
	db_rollback(db);
	return 0;
}

/*
 * Whether a daemon may run on the database beside others: a SQLite
 * file is one daemon's alone while it is open (db_sqlite.c), a
 * PostgreSQL database takes any number (db_pg.c).
 */
int
db_claim(struct db *db, GError **error)
{
	return db->engine->claim(db, error);
}

/*
 * Whether this connection does duty (a hook's deliveries, the probes)
 * among the daemons on the database, taking it when it is free: see
 * each engine.
 */
int
db_lead(struct db *db, const char *duty)
{
	return db->engine->lead(db, duty);
}

/*
 * Tell those who wait on channel, when the transaction open commits;
 * db_wait() returns when told, or after ms.  SQLite tells no one: its
 * readers wait out ms and look.
 */
int
db_notify(struct db *db, const char *channel, GError **error)
{
	return db->engine->notify(db, channel, error);
}

void
db_wait(struct db *db, const char *channel, int ms)
{
	db->engine->wait(db, channel, ms);
}

struct db_stmt *
db_prepare(struct db *db, const char *sql, GError **error)
{
	return db->engine->prepare(db, sql, error);
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->db->engine->finalize(st);
}

void
db_bind_int64(struct db_stmt *st, int i, gint64 value)
{
	st->db->engine->bind_int64(st, i, value);
}

void
db_bind_int(struct db_stmt *st, int i, int value)
{
	st->db->engine->bind_int64(st, i, value);
}

/* Text, or NULL: a NULL that is text (for "?N IS NULL" filters). */
void
db_bind_text(struct db_stmt *st, int i, const char *value)
{
	st->db->engine->bind_text(st, i, value);
}

void
db_bind_null(struct db_stmt *st, int i)
{
	st->db->engine->bind_null(st, i);
}

/* A LIMIT: negative is none, which the dialects say differently. */
void
db_bind_limit(struct db_stmt *st, int i, gint64 n)
{
	if (n < 0 && st->db->engine->limit_null)
		st->db->engine->bind_null(st, i);
	else
		st->db->engine->bind_int64(st, i, n);
}

/* A value of the column's own type, given as text (a copy's). */
void
db_bind_value(struct db_stmt *st, int i, const char *value)
{
	st->db->engine->bind_value(st, i, value);
}

int
db_step(struct db_stmt *st)
{
	return st->db->engine->step(st);
}

/* A write the caller waits for no answer of (db.h): DB_DONE or DB_ERROR. */
int
db_send(struct db_stmt *st)
{
	if (st->db->engine->send == NULL)
		return db_step(st) == DB_ERROR ? DB_ERROR : DB_DONE;
	return st->db->engine->send(st);
}

/*
 * A statement whose answer the caller reads at its next db_step(), which
 * it may start now (db.h): DB_DONE or DB_ERROR.
 */
int
db_pipe(struct db_stmt *st)
{
	if (st->db->engine->pipe == NULL)
		return DB_DONE;
	return st->db->engine->pipe(st);
}

/* st's rows may be too many to hold at once (db.h). */
void
db_many(struct db_stmt *st)
{
	if (st->db->engine->many != NULL)
		st->db->engine->many(st);
}

void
db_reset(struct db_stmt *st)
{
	st->db->engine->reset(st);
}

int
db_column_null(struct db_stmt *st, int col)
{
	return st->db->engine->column_null(st, col);
}

gint64
db_column_int64(struct db_stmt *st, int col)
{
	return st->db->engine->column_int64(st, col);
}

int
db_column_int(struct db_stmt *st, int col)
{
	return (int)st->db->engine->column_int64(st, col);
}

const char *
db_column_text(struct db_stmt *st, int col)
{
	return st->db->engine->column_text(st, col);
}

/* After a row: the columns of the statement. */
int
db_column_count(struct db_stmt *st)
{
	return st->db->engine->column_count(st);
}

const char *
db_column_name(struct db_stmt *st, int col)
{
	return st->db->engine->column_name(st, col);
}

/* Rows were copied into table with their ids: the next ids follow. */
int
db_copied(struct db *db, const char *table, GError **error)
{
	return db->engine->copied(db, table, error);
}

gint64
db_changes(struct db *db)
{
	return db->changes;
}

gint64
db_last_id(struct db *db)
{
	return db->engine->last_id(db);
}

/*
 * db_pg.c: the PostgreSQL engine of the store (db.h), through libpq: a
 * database is a libpq URI or key=value string (db_is_url()).  The
 * store's statements are
 * SQLite's text with "?" and "?N" parameters: each is rewritten once to
 * "$N".  Its first step runs it unprepared (one round trip: the
 * commands of "rebound" run most statements once); a second prepares it
 * on the server, with the types its binding gave (an integer is int8, a
 * text or a text NULL is text, an unbound parameter is left for the
 * server to infer), and a later binding with other types runs
 * unprepared.  Values travel as text.
 * The dialects' differences are db_pg_dialect.c's.
 *
 * A write transaction (db_begin()) is a plain BEGIN: the writers' turn,
 * an advisory lock until commit (writers_sql), is the store's to take
 * when it needs it (store.c's store_lock()), and what comes before it
 * goes beside the other writers' transactions.  A transaction that
 * fails on a deadlock or a serialization failure says so (db_retry()).
 * Every session sets synchronous_commit on, whatever the server's
 * default (and a read-only store's default_transaction_read_only):
 * COMMIT returns once the server has the transaction on disk, and the
 * daemon acknowledges mail only then.  The settings go with the first
 * statement, the schema version's, in one round trip; sent alone again
 * if it failed (it and they were one transaction).  The schema version is
 * the one row of rebound_schema; migrating takes an advisory lock, so
 * that of several daemons starting at once one migrates.
 *
 * A write whose answer the store does not wait for (db_send(): an
 * address's new row) goes out, inside a transaction, in libpq's
 * pipeline mode, and its answer is read with the next statement's (or
 * the COMMIT's): one round trip for both, and the writers' lock held
 * that much less.  One whose answer it reads later (db_pipe(): an
 * outcome's id, sent before its address's row is read) goes the same
 * way, its answer kept for its next step.  A failure fails that next
 * statement; the transaction
 * is lost whole, as after any error.  Outside a transaction a sent
 * statement runs at once: nothing is committed later than it seems.
 *
 * A statement the store marks as a big read (db_many()) is read through
 * a cursor, in chunks (db_pg_cursor.c), outside the pipeline.
 *
 * A connection that broke (the server restarted, the network went) is
 * made again before the next statement, at most once per backoff: one
 * second after the failure, doubling to DB_PG_BACKOFF_MAX.  Until then
 * every statement fails at once, so that the daemon answers 451 and the
 * sender retries; the statements are prepared again on the new session.
 * A transaction the break cut is lost whole, as a rollback.
 *
 * Built without libpq (configure --without-postgresql), the engine
 * still owns postgresql:// names, and says it is not built in.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "sql.h"

#ifdef HAVE_LIBPQ
#include "db_pg.h"
#include "pq.h"



static int
db_pg_owns(const char *where)
{
	return db_is_url(where);
}

static const char *
db_pg_errmsg(struct db *db)
{
	struct db_pg *d = DB_PG(db);

	if (d->error != NULL)
		return d->error;
	return pq.PQerrorMessage(d->conn);
}




/*
 * A deadlock (40P01) or a serialization failure (40001): another
 * writer's doing; the transaction may succeed if run again.
 */
static int
db_pg_retry(struct db *db)
{
	const char *state = DB_PG(db)->sqlstate;

	return strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0;
}






/*
 * sql, after the statements in the pipeline: along with them, unless it
 * is several or a ROLLBACK (which must run even when one of them failed).
 */
static PGresult *
db_pg_exec_sql(struct db_pg *d, const char *sql)
{
	int rollback = strcmp(sql, "ROLLBACK") == 0;

	if (d->sent > 0 && !rollback && strchr(sql, ';') == NULL)
		return db_pg_along(d, NULL, sql);
	if (!db_pg_flush(d) && !rollback)
		return NULL;
	return pq.PQexec(d->conn, sql);
}

static int
db_pg_exec(struct db *db, const char *sql, GError **error)
{
	struct db_pg *d = DB_PG(db);
	PGresult *res = db_pg_alive(d) ? db_pg_exec_sql(d, sql) : NULL;
	int ok = res != NULL && db_pg_result_ok(d, res);

	if (ok)
		db->changes = g_ascii_strtoll(pq.PQcmdTuples(res), NULL, 10);
	else
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s",
		    db->name, d->error);
	pq.PQclear(res);
	return ok;
}


static void
db_pg_close(struct db *db)
{
	struct db_pg *d = DB_PG(db);

	pq.PQfinish(d->conn);
	g_ptr_array_free(d->kept, TRUE);
	if (d->duties != NULL)
		g_hash_table_destroy(d->duties);
	g_free(d->error);
	g_free(d->uri);
	g_free(db->name);
	g_free(d);
}

static struct db *
db_pg_open(const char *uri, const struct db_options *o, GError **error)
{
	struct db_pg *d;

	if (!pq_load(error))
		return NULL;
	d = g_new0(struct db_pg, 1);
	d->db.engine = &db_pg;
	d->db.name = g_strdup(o->shown != NULL ? o->shown : uri);
	d->readonly = o->readonly;
	d->uri = g_strdup(uri);
	d->kept = g_ptr_array_new();
	d->conn = pq.PQconnectdb(uri);
	if (pq.PQstatus(d->conn) != CONNECTION_OK) {
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: cannot connect: %s", d->db.name, d->error);
		db_pg_close(&d->db);
		return NULL;
	}
	pq.PQsetNoticeProcessor(d->conn, db_pg_notice, NULL);
	d->unset = 1;	/* with the first statement (db_pg_schema_version()) */
	return &d->db;
}

static struct db_stmt *
db_pg_prepare(struct db *db, const char *sql, GError **error)
{
	struct db_pg_stmt *s = g_new0(struct db_pg_stmt, 1);

	s->st.db = db;
	s->sql = db_pg_dialect(sql, &s->nparams);
	s->values = g_new0(char *, s->nparams + 1);
	s->types = g_new0(Oid, s->nparams + 1);
	return &s->st;
}

static void
db_pg_reset(struct db_stmt *st)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);
	int i;

	if (DB_PG(st->db)->reading == s)
		DB_PG(st->db)->reading = NULL;
	if (s->piped)
		db_pg_flush(DB_PG(st->db));	/* its answer, dropped */
	g_clear_pointer(&s->cursor, db_pg_cursor_free);
	g_clear_pointer(&s->res, pq.PQclear);
	for (i = 0; i < s->nparams; i++) {
		g_clear_pointer(&s->values[i], g_free);
		s->types[i] = 0;
	}
}

static void
db_pg_finalize(struct db_stmt *st)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);
	g_autofree char *sql = NULL;
	PGresult *res;

	db_pg_reset(st);
	db_pg_drain(DB_PG(st->db));
	if (s->name != NULL && s->session == DB_PG(st->db)->session &&
	    pq.PQstatus(DB_PG(st->db)->conn) == CONNECTION_OK) {
		sql = g_strdup_printf("DEALLOCATE %s", s->name);
		res = pq.PQexec(DB_PG(st->db)->conn, sql);
		pq.PQclear(res);
	}
	g_free(s->sql);
	g_free(s->values);
	g_free(s->types);
	g_free(s->prepared_types);
	g_free(s->name);
	g_free(s);
}

static void
db_pg_bind(struct db_stmt *st, int i, char *value, Oid type)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);

	if (i < 1 || i > s->nparams) {
		g_free(value);
		return;
	}
	g_free(s->values[i - 1]);
	s->values[i - 1] = value;
	s->types[i - 1] = type;
}

static void
db_pg_bind_int64(struct db_stmt *st, int i, gint64 value)
{
	db_pg_bind(st, i, g_strdup_printf("%" G_GINT64_FORMAT, value),
	    DB_PG_INT8);
}

static void
db_pg_bind_text(struct db_stmt *st, int i, const char *value)
{
	db_pg_bind(st, i, g_strdup(value), DB_PG_TEXT);
}

static void
db_pg_bind_null(struct db_stmt *st, int i)
{
	db_pg_bind(st, i, NULL, 0);
}

/* Of no type: the server takes it as the column's (a copy's values). */
static void
db_pg_bind_value(struct db_stmt *st, int i, const char *value)
{
	db_pg_bind(st, i, g_strdup(value), 0);
}

/* Prepare on the server with this binding's types, once. */
static int
db_pg_prepare_now(struct db_pg *d, struct db_pg_stmt *s)
{
	PGresult *res;
	int ok;

	s->name = g_strdup_printf("r%u", ++d->nprepared);
	s->session = d->session;
	res = pq.PQprepare(d->conn, s->name, s->sql, s->nparams, s->types);
	ok = db_pg_result_ok(d, res);
	pq.PQclear(res);
	if (!ok) {
		g_clear_pointer(&s->name, g_free);
		return 0;
	}
	/* A statement prepared again on a new session had types before. */
	g_free(s->prepared_types);
	s->prepared_types = g_memdup2(s->types, sizeof(Oid) *
	    (s->nparams + 1));
	return 1;
}

static PGresult *
db_pg_run(struct db_pg *d, struct db_pg_stmt *s)
{
	const char *const *values = (const char *const *)s->values;
	PGresult *res;

	if (!db_pg_alive(d))
		return NULL;
	if (s->name != NULL && s->session != d->session)
		g_clear_pointer(&s->name, g_free);	/* a new session's */
	if (s->name == NULL && s->runs++ > 0 &&
	    (!db_pg_flush(d) || !db_pg_prepare_now(d, s)))
		return NULL;
	if (d->sent > 0)
		return db_pg_along(d, s, NULL);
	if (db_pg_fits(s))
		res = pq.PQexecPrepared(d->conn, s->name, s->nparams, values,
		    NULL, NULL, 0);
	else
		res = pq.PQexecParams(d->conn, s->sql, s->nparams, s->types,
		    values, NULL, NULL, 0);
	if (res == NULL)
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
	return res;
}

/* s's rows may be many: read through a cursor. */
static void
db_pg_many(struct db_stmt *st)
{
	DB_PG_STMT(st)->many = 1;
}

/* s declared as a cursor, outside the pipeline: 0 if not, -1 if down. */
static int
db_pg_declare(struct db_pg *d, struct db_pg_stmt *s)
{
	if (!s->many || d->sent > 0)
		return 0;
	if (!db_pg_alive(d))
		return -1;
	s->cursor = db_pg_cursor_open(d->conn, ++d->nprepared, s->sql,
	    s->nparams, s->types, (const char *const *)s->values);
	d->reading = s;
	return 1;
}

/* The next row of s's cursor: its next chunk when this one is read. */
static int
db_pg_step_cursor(struct db_pg *d, struct db_pg_stmt *s)
{
	PGresult *res;

	while ((res = db_pg_cursor_next(s->cursor)) != NULL) {
		if (!db_pg_result_ok(d, res)) {
			pq.PQclear(res);
			return DB_ERROR;
		}
		pq.PQclear(s->res);
		s->res = res;
		s->row = 0;
		if (pq.PQntuples(res) > 0)
			return DB_ROW;
	}
	return DB_DONE;
}

static int
db_pg_step(struct db_stmt *st)
{
	struct db_pg *d = DB_PG(st->db);
	struct db_pg_stmt *s = DB_PG_STMT(st);
	int declared;

	if (s->piped && !db_pg_flush(d))
		return DB_ERROR;
	if (s->res != NULL && ++s->row < pq.PQntuples(s->res))
		return DB_ROW;
	if (s->cursor != NULL)
		return db_pg_step_cursor(d, s);
	if (s->res != NULL)
		return DB_DONE;
	if ((declared = db_pg_declare(d, s)) != 0)
		return declared < 0 ? DB_ERROR : db_pg_step_cursor(d, s);
	s->res = db_pg_run(d, s);
	if (s->res == NULL || !db_pg_result_ok(d, s->res)) {
		g_clear_pointer(&s->res, pq.PQclear);
		return DB_ERROR;
	}
	if (strncmp(pq.PQcmdStatus(s->res), "SELECT", 6) != 0)
		st->db->changes = g_ascii_strtoll(pq.PQcmdTuples(s->res), NULL,
		    10);
	s->row = 0;
	return pq.PQntuples(s->res) > 0 ? DB_ROW : DB_DONE;
}

static int
db_pg_column_null(struct db_stmt *st, int col)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);

	return s->res == NULL || pq.PQgetisnull(s->res, s->row, col);
}

static const char *
db_pg_column_text(struct db_stmt *st, int col)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);

	if (db_pg_column_null(st, col))
		return NULL;
	return pq.PQgetvalue(s->res, s->row, col);
}

/* A number as SQLite gives it: a boolean is 1 or 0, NULL is 0. */
static gint64
db_pg_column_int64(struct db_stmt *st, int col)
{
	const char *v = db_pg_column_text(st, col);

	if (v == NULL)
		return 0;
	if (strcmp(v, "t") == 0)
		return 1;
	return g_ascii_strtoll(v, NULL, 10);
}

static int
db_pg_column_count(struct db_stmt *st)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);

	return s->res != NULL ? pq.PQnfields(s->res) : 0;
}

static const char *
db_pg_column_name(struct db_stmt *st, int col)
{
	return pq.PQfname(DB_PG_STMT(st)->res, col);
}

/* Rows came with their ids: the identity goes on after the largest. */
static int
db_pg_copied(struct db *db, const char *table, GError **error)
{
	g_autofree char *sql = g_strdup_printf("SELECT setval("
	    "pg_get_serial_sequence('%s', 'id'), max(id)) FROM %s "
	    "HAVING max(id) IS NOT NULL", table, table);

	return db_pg_exec(db, sql, error);
}

/* The id the last INSERT into a table with an identity column made. */
static gint64
db_pg_last_id(struct db *db)
{
	PGresult *res = db_pg_exec_sql(DB_PG(db), "SELECT lastval()");
	gint64 id = 0;

	if (db_pg_result_ok(DB_PG(db), res) && pq.PQntuples(res) == 1)
		id = g_ascii_strtoll(pq.PQgetvalue(res, 0, 0), NULL, 10);
	pq.PQclear(res);
	return id;
}

static int
db_pg_in_transaction(struct db *db)
{
	/* A broken connection's (PQTRANS_UNKNOWN) is gone with it. */
	db_pg_flush(DB_PG(db));
	switch (pq.PQtransactionStatus(DB_PG(db)->conn)) {
	case PQTRANS_ACTIVE:
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		return 1;
	default:
		return 0;
	}
}

/* The version rebound_schema holds, if it is there: the settings first. */
static int
db_pg_schema_version(struct db_pg *d, int *version)
{
	static const char sql[] = "SELECT max(version) FROM rebound_schema";
	g_autofree char *set = d->unset ? db_pg_settings(d, sql) : NULL;
	PGresult *res = pq.PQexec(d->conn, set != NULL ? set : sql);
	int ok = db_pg_result_ok(d, res) && pq.PQntuples(res) == 1;

	if (ok)
		*version = atoi(pq.PQgetvalue(res, 0, 0));
	d->unset = d->unset && !ok;
	pq.PQclear(res);
	return ok;
}

/*
 * The version: 0 for an empty schema, refused for another's tables.
 * Outside a transaction, where a failed query costs nothing, the usual
 * case is tried first: one query.
 */
static int
db_pg_version(struct db *db, int *version, GError **error)
{
	PGresult *res;
	int ok, tables, ours;

	if (pq.PQtransactionStatus(DB_PG(db)->conn) == PQTRANS_IDLE &&
	    db_pg_schema_version(DB_PG(db), version))
		return 1;
	if (DB_PG(db)->unset && !db_pg_session(DB_PG(db))) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s",
		    db->name, DB_PG(db)->error);
		return 0;
	}
	res = pq.PQexec(DB_PG(db)->conn,
	    "SELECT (SELECT count(*) FROM pg_tables "
	    "WHERE schemaname = current_schema()), "
	    "to_regclass('rebound_schema') IS NOT NULL");
	ok = db_pg_result_ok(DB_PG(db), res) && pq.PQntuples(res) == 1;
	tables = ok ? atoi(pq.PQgetvalue(res, 0, 0)) : 0;
	ours = ok && strcmp(pq.PQgetvalue(res, 0, 1), "t") == 0;

	pq.PQclear(res);
	if (ok && !ours && tables > 0)
		db_pg_set_error(DB_PG(db), "its schema has tables of another "
		    "application");
	if (!ok || (!ours && tables > 0)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: not a rebound database: %s", db->name,
		    db_pg_errmsg(db));
		return 0;
	}
	*version = 0;
	if (!ours)
		return 1;
	if (!(ok = db_pg_schema_version(DB_PG(db), version)))
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: not a rebound database: %s", db->name,
		    db_pg_errmsg(db));
	return ok;
}

static int
db_pg_set_version(struct db *db, int version, GError **error)
{
	g_autofree char *sql = g_strdup_printf(
	    "CREATE TABLE IF NOT EXISTS rebound_schema (version integer "
	    "NOT NULL); DELETE FROM rebound_schema; "
	    "INSERT INTO rebound_schema VALUES (%d)", version);

	return db_pg_exec(db, sql, error);
}

/*
 * Any number of daemons on one database: writers take turns for what
 * needs it (writers_sql), the store rebuilds the guard when another has written
 * (store_begin()), each duty is one daemon's (db_pg_lead()), and the
 * hooks' deliveries are leased row by row (store_hooks.c).  All of that
 * needs a session of the daemon's own: not one a pooler lends
 * transaction by transaction (db_pg_pool.c).
 */
static int
db_pg_claim(struct db *db, GError **error)
{
	return db_pg_pool_check(DB_PG(db), error);
}

/*
 * A duty (the probes) is done by one daemon of
 * those on the database: the one whose session holds its advisory lock
 * (keyed by the duty's name).  The others try to take it each time they
 * would do it, and have it as soon as the holder's session ends: its
 * daemon stopped, died, or lost the server.  A lock taken on a session
 * that has ended since is taken again.  Advisory locks are the
 * database's, not a schema's: a rebound in a schema of its own
 * (options=-csearch_path=...) beside another keys its duties by the
 * schema too, lest one lead the other's; public keeps the duty's name
 * alone, as earlier versions did, so that a rolling upgrade still has
 * one leader.
 */
static int
db_pg_lead(struct db *db, const char *duty)
{
	struct db_pg *d = DB_PG(db);
	gpointer session;
	const char *values[1] = { duty };
	PGresult *res;
	int ok;

	if (d->duties == NULL)
		d->duties = g_hash_table_new_full(g_str_hash, g_str_equal,
		    g_free, NULL);
	if (g_hash_table_lookup_extended(d->duties, duty, NULL, &session) &&
	    GPOINTER_TO_UINT(session) == d->session &&
	    pq.PQstatus(d->conn) == CONNECTION_OK)
		return 1;
	if (!db_pg_alive(d))
		return 0;
	res = pq.PQexecParams(d->conn, "SELECT pg_try_advisory_lock("
	    "x'72656264'::int, hashtext(CASE current_schema() WHEN 'public' "
	    "THEN $1 ELSE current_schema() || '.' || $1 END))", 1, NULL,
	    values, NULL, NULL, 0);
	ok = db_pg_result_ok(d, res) && pq.PQntuples(res) == 1 &&
	    strcmp(pq.PQgetvalue(res, 0, 0), "t") == 0;
	pq.PQclear(res);
	if (ok)
		g_hash_table_insert(d->duties, g_strdup(duty),
		    GUINT_TO_POINTER(d->session));
	return ok;
}

/* NOTIFY: PostgreSQL sends it at the COMMIT of the transaction. */
static int
db_pg_notify(struct db *db, const char *channel, GError **error)
{
	g_autofree char *sql = g_strdup_printf("NOTIFY %s", channel);

	return db_pg_exec(db, sql, error);
}

/*
 * Until a NOTIFY on channel comes, or ms pass: LISTEN once a session,
 * then wait on the connection's socket.  One channel a connection.
 */
static void
db_pg_wait(struct db *db, const char *channel, int ms)
{
	struct db_pg *d = DB_PG(db);
	g_autofree char *sql = NULL;
	struct pollfd pfd;
	PGnotify *n;

	if (d->listening != d->session + 1) {
		sql = g_strdup_printf("LISTEN %s", channel);
		if (!db_pg_exec(db, sql, NULL)) {
			g_usleep((gulong)ms * 1000);
			return;
		}
		d->listening = d->session + 1;
	}
	pfd.fd = pq.PQsocket(d->conn);
	pfd.events = POLLIN;
	if (pfd.fd < 0 || !pq.PQconsumeInput(d->conn)) {
		g_usleep((gulong)ms * 1000);	/* broken: the next read says */
		return;
	}
	if ((n = pq.PQnotifies(d->conn)) != NULL)
		pq.PQfreemem(n);
	else
		poll(&pfd, 1, ms);
	pq.PQconsumeInput(d->conn);
	while ((n = pq.PQnotifies(d->conn)) != NULL)
		pq.PQfreemem(n);
}

/* A write whose answer nobody waits for: db_pg_enqueue(), or a step. */
static int
db_pg_send(struct db_stmt *st)
{
	int rc;

	if (db_pg_enqueue(DB_PG(st->db), DB_PG_STMT(st), 0, &rc))
		return db_pg_step(st) == DB_ERROR ? DB_ERROR : DB_DONE;
	return rc;
}

/*
 * A statement whose answer is read later (its next db_step() gives its
 * first row): sent now, and read with the next statement's; or, when
 * it cannot be sent, run now and its answer kept.
 */
static int
db_pg_pipe(struct db_stmt *st)
{
	struct db_pg_stmt *s = DB_PG_STMT(st);
	int rc;

	if (!db_pg_enqueue(DB_PG(st->db), s, 1, &rc))
		return rc;
	if ((rc = db_pg_step(st)) == DB_ERROR)
		return DB_ERROR;
	s->row = -1;
	return DB_DONE;
}

const struct db_engine db_pg = {
	.name = "postgresql",
	.owns = db_pg_owns,
	.open = db_pg_open,
	.close = db_pg_close,
	.errmsg = db_pg_errmsg,
	.exec = db_pg_exec,
	.prepare = db_pg_prepare,
	.finalize = db_pg_finalize,
	.bind_int64 = db_pg_bind_int64,
	.bind_text = db_pg_bind_text,
	.bind_null = db_pg_bind_null,
	.bind_value = db_pg_bind_value,
	.step = db_pg_step,
	.send = db_pg_send,
	.pipe = db_pg_pipe,
	.many = db_pg_many,
	.reset = db_pg_reset,
	.column_null = db_pg_column_null,
	.column_int64 = db_pg_column_int64,
	.column_text = db_pg_column_text,
	.column_count = db_pg_column_count,
	.column_name = db_pg_column_name,
	.copied = db_pg_copied,
	.last_id = db_pg_last_id,
	.in_transaction = db_pg_in_transaction,
	.version = db_pg_version,
	.set_version = db_pg_set_version,
	.claim = db_pg_claim,
	.lead = db_pg_lead,
	.notify = db_pg_notify,
	.wait = db_pg_wait,
	.retry = db_pg_retry,
	.begin_sql = "BEGIN",
	/*
	 * The writers' turn, as SQLite's BEGIN IMMEDIATE gives it, but
	 * taken by the store only where it needs it (store.c's
	 * store_lock()): it reads an address's row and writes what follows
	 * from it, the guard counts what is committed, and the outcomes'
	 * and the events' ids grow in the order of the commits.
	 */
	.writers_sql = "SELECT pg_advisory_xact_lock(x'7265626f756e6477'::bigint)",
	/* One migrator at a time: the key is "rebound" in ASCII. */
	.lock_sql = "SELECT pg_advisory_xact_lock(x'7265626f756e64'::bigint)",
	.limit_null = 1,
	.batched = 1,
	/* An id given is not the identity's: the next one must pass it. */
	.ids_sql = "SELECT setval(pg_get_serial_sequence(?1, 'id'), ?2)",
	/*
	 * Ids are given past the newest (store_record.c): past the
	 * identity's too, which ids_sql keeps at the newest given, so that
	 * an id forget or expire freed is never given again (another
	 * daemon's guard reads outcomes by id, past the newest it saw).
	 */
	.newest_sql = "SELECT greatest(coalesce(max(id), 0), coalesce("
	    "pg_sequence_last_value(pg_get_serial_sequence('outcomes', 'id')"
	    "::regclass), 0)) FROM outcomes",
	.migrations = sql_migrations_pg,
};

#else /* !HAVE_LIBPQ */

static int
db_pg_owns(const char *where)
{
	return db_is_url(where);
}

static struct db *
db_pg_open(const char *uri, const struct db_options *o, GError **error)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
	    "%s: this rebound was built without PostgreSQL "
	    "(configure --without-postgresql)", uri);
	return NULL;
}

const struct db_engine db_pg = {
	.name = "postgresql",
	.owns = db_pg_owns,
	.open = db_pg_open,
};
#endif

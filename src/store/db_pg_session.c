/*
 * db_pg_session.c: the PostgreSQL engine's session (db_pg.c): its
 * errors, the settings every session makes, and the connection made
 * again after a break, at most once a backoff.  What was in the
 * pipeline (db_pg_pipe.c) when a session ended is dropped with it.
 */
#include "config.h"

#ifdef HAVE_LIBPQ
#include <string.h>

#include "db.h"
#include "db_pg.h"
#include "pq.h"

#define DB_PG_BACKOFF_MAX (30 * G_USEC_PER_SEC)

/*
 * The pipeline emptied: each statement that kept its answer has it
 * (unless ok is 0: then none has), and none is in it any more.
 */
void
db_pg_unpipe(struct db_pg *d, int ok)
{
	struct db_pg_stmt *k;
	guint i;

	for (i = 0; i < d->kept->len; i++)
		if ((k = g_ptr_array_index(d->kept, i)) != NULL) {
			k->piped = 0;
			if (!ok)
				g_clear_pointer(&k->res, pq.PQclear);
		}
	g_ptr_array_set_size(d->kept, 0);
	d->sent = 0;
}

/* Keep what went wrong, on one line, for db_errmsg(). */
void
db_pg_set_error(struct db_pg *d, const char *msg)
{
	g_free(d->error);
	d->error = g_strstrip(g_strdelimit(g_strdup(msg), "\n", ' '));
	d->sqlstate[0] = '\0';
}

/* Notices (a table that already exists...) are not the user's business. */
void
db_pg_notice(void *arg, const char *message)
{
}

/* A result that is an error keeps its message; 0 unless it succeeded. */
int
db_pg_result_ok(struct db_pg *d, PGresult *res)
{
	ExecStatusType status = pq.PQresultStatus(res);

	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		g_clear_pointer(&d->error, g_free);
		return 1;
	}
	db_pg_set_error(d, res != NULL ? pq.PQresultErrorMessage(res) :
	    pq.PQerrorMessage(d->conn));
	if (res != NULL && pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL)
		g_strlcpy(d->sqlstate, pq.PQresultErrorField(res,
		    PG_DIAG_SQLSTATE), sizeof d->sqlstate);
	return 0;
}

/* The connection free for another statement: a cursor read to its end. */
void
db_pg_drain(struct db_pg *d)
{
	if (d->reading == NULL)
		return;
	db_pg_cursor_drain(d->reading->cursor);
	d->reading = NULL;
}

/*
 * What every session sets (db_pg.c's comment), then sql.  A cursor's
 * rows are all read (db_pg_cursor.c): it is planned as a plain read.
 */
char *
db_pg_settings(struct db_pg *d, const char *sql)
{
	return g_strconcat("SET synchronous_commit = on; "
	    "SET cursor_tuple_fraction = 1; ", d->readonly ?
	    "SET default_transaction_read_only = on; " : "", sql, NULL);
}

/* The session's settings, alone. */
int
db_pg_session(struct db_pg *d)
{
	g_autofree char *sql = db_pg_settings(d, "");
	PGresult *res;

	pq.PQsetNoticeProcessor(d->conn, db_pg_notice, NULL);
	res = pq.PQexec(d->conn, sql);
	d->unset = !db_pg_result_ok(d, res);
	pq.PQclear(res);
	return !d->unset;
}

/*
 * A connection libpq still calls up, left where no statement can run:
 * in pipeline mode with nothing of ours in it.  A server that shut down
 * (FATAL: terminating connection due to administrator command) in the
 * middle of a pipeline leaves it so until libpq reads the end of the
 * socket, which no statement gets to do: it is made again instead.
 */
static int
db_pg_stuck(struct db_pg *d)
{
	return d->sent == 0 &&
	    pq.PQpipelineStatus(d->conn) != PQ_PIPELINE_OFF;
}

/* Connected, or connected again when the backoff allows: 0 if not. */
int
db_pg_alive(struct db_pg *d)
{
	gint64 now;

	db_pg_drain(d);
	if (pq.PQstatus(d->conn) == CONNECTION_OK && !db_pg_stuck(d))
		return !d->unset || db_pg_session(d);
	now = g_get_monotonic_time();
	if (d->backoff > 0 && now < d->retry_at) {
		g_free(d->error);
		d->error = g_strdup_printf("server unreachable, next try in "
		    "%" G_GINT64_FORMAT " s", (d->retry_at - now) /
		    G_USEC_PER_SEC + 1);
		return 0;
	}
	pq.PQreset(d->conn);
	db_pg_unpipe(d, 0);
	if (pq.PQstatus(d->conn) == CONNECTION_OK && db_pg_session(d)) {
		d->session++;
		d->backoff = 0;
		g_message("%s: connected again", d->db.name);
		return 1;
	}
	db_pg_set_error(d, pq.PQerrorMessage(d->conn));
	d->backoff = d->backoff == 0 ? G_USEC_PER_SEC :
	    MIN(d->backoff * 2, DB_PG_BACKOFF_MAX);
	d->retry_at = now + d->backoff;
	return 0;
}
#endif

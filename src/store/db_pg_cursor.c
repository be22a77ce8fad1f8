/*
 * db_pg_cursor.c: a big read on PostgreSQL (db_many()) in chunks: the
 * statement is declared as a cursor and its rows fetched
 * DB_PG_CURSOR_CHUNK at a time, the next FETCH sent as soon as a chunk
 * is in, so that the server finds and sends the next rows while the
 * store reads these.  A prune of a million addresses holds two chunks,
 * where one PGresult of every row took 102 MiB.  libpq 15's single-row
 * mode would hold one row, but it makes a PGresult of each: 1,600
 * instructions a row, 1.6 times the CPU of a prune; its chunked mode is
 * libpq 17's.
 *
 * Outside a transaction the cursor has one of its own, committed at its
 * end; inside the caller's it is closed at its end.  The BEGIN, the
 * DECLARE and the first FETCH go in one pipeline, and the end is sent
 * without waiting for its answer: as many round trips as a plain read.
 * While a FETCH or the end is out the connection is the cursor's: before
 * any other statement, db_pg_cursor_drain() reads the rest of the rows
 * and ends the cursor, the rows kept for the steps to come (as many as
 * a plain read holds).
 */
#include "config.h"

#ifdef HAVE_LIBPQ
#include "db_pg.h"
#include "pq.h"

#define DB_PG_CURSOR_CHUNK	10000

struct db_pg_cursor {
	PGconn		*conn;
	char		*name;		/* "c<n>" */
	char		*fetch;		/* "FETCH <chunk> FROM c<n>" */
	int		 own;		/* its transaction: BEGIN was its own */
	int		 open;		/* declared, not ended yet */
	int		 out;		/* a FETCH sent, its answer unread */
	int		 ending;	/* the end sent, its answer unread */
	GQueue		 kept;		/* of PGresult, to hand out first */
};

static int
db_pg_cursor_ok(PGresult *res)
{
	ExecStatusType status = pq.PQresultStatus(res);

	return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

/* The answer to the statement sent last, read whole: its first result. */
static PGresult *
db_pg_cursor_answer(struct db_pg_cursor *c)
{
	PGresult *res, *first = NULL;

	while ((res = pq.PQgetResult(c->conn)) != NULL)
		if (first == NULL)
			first = res;
		else
			pq.PQclear(res);
	if (first == NULL)
		first = pq.PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
	return first;
}

/*
 * No more FETCHes: commit its own transaction (or roll it back), or
 * close it, without waiting: db_pg_cursor_drain() reads the answer.
 */
static void
db_pg_cursor_end(struct db_pg_cursor *c, int ok)
{
	g_autofree char *close = g_strdup_printf("CLOSE %s", c->name);

	if (!c->open)
		return;
	c->open = 0;
	if (c->own)
		c->ending = pq.PQsendQuery(c->conn, ok ? "COMMIT" : "ROLLBACK");
	else if (ok)	/* a failed one aborted the caller's transaction */
		c->ending = pq.PQsendQuery(c->conn, close);
}

/* Ask for the next chunk, without waiting for it. */
static void
db_pg_cursor_send(struct db_pg_cursor *c)
{
	if (pq.PQsendQuery(c->conn, c->fetch))
		c->out = 1;
	else {
		g_queue_push_tail(&c->kept, pq.PQmakeEmptyPGresult(c->conn,
		    PGRES_FATAL_ERROR));
		db_pg_cursor_end(c, 0);
	}
}

/*
 * The n statements of the pipeline read, then its sync: the last
 * statement's result (the first FETCH), or the first that failed.
 */
static PGresult *
db_pg_cursor_collect(struct db_pg_cursor *c, int n)
{
	PGresult *res, *kept = NULL;
	int i;

	for (i = 0; i < n; i++) {
		res = db_pg_cursor_answer(c);
		if (kept == NULL && (i == n - 1 || !db_pg_cursor_ok(res)))
			kept = res;
		else
			pq.PQclear(res);
	}
	if ((res = pq.PQgetResult(c->conn)) == NULL ||
	    pq.PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		pq.PQclear(kept);
		kept = pq.PQmakeEmptyPGresult(c->conn, PGRES_FATAL_ERROR);
	}
	pq.PQclear(res);
	pq.PQexitPipelineMode(c->conn);
	return kept;
}

/*
 * sql (a SELECT with nparams values of types) declared as cursor
 * "c<n>", its first chunk fetched.  A failure shows as the first
 * result db_pg_cursor_next() gives.
 */
struct db_pg_cursor *
db_pg_cursor_open(PGconn *conn, guint n, const char *sql, int nparams,
    const Oid *types, const char *const *values)
{
	struct db_pg_cursor *c = g_new0(struct db_pg_cursor, 1);
	g_autofree char *declare = g_strdup_printf("DECLARE c%u NO SCROLL "
	    "CURSOR FOR %s", n, sql);
	int sent;

	c->conn = conn;
	c->name = g_strdup_printf("c%u", n);
	c->fetch = g_strdup_printf("FETCH %d FROM %s", DB_PG_CURSOR_CHUNK,
	    c->name);
	g_queue_init(&c->kept);
	c->own = pq.PQtransactionStatus(conn) == PQTRANS_IDLE;
	c->open = 1;
	sent = pq.PQenterPipelineMode(conn) &&
	    (!c->own || pq.PQsendQueryParams(conn, "BEGIN", 0, NULL, NULL,
	    NULL, NULL, 0)) &&
	    pq.PQsendQueryParams(conn, declare, nparams, types, values, NULL,
	    NULL, 0) &&
	    pq.PQsendQueryParams(conn, c->fetch, 0, NULL, NULL, NULL, NULL,
	    0) && pq.PQpipelineSync(conn);
	if (!sent) {
		/* Only a broken connection gets here: nothing to end. */
		g_queue_push_tail(&c->kept, pq.PQmakeEmptyPGresult(conn,
		    PGRES_FATAL_ERROR));
		pq.PQexitPipelineMode(conn);
		c->open = 0;
		return c;
	}
	g_queue_push_tail(&c->kept, db_pg_cursor_collect(c, 2 + c->own));
	return c;
}

/*
 * The next chunk (its status says whether it failed), the FETCH after
 * it sent when it was a whole one; NULL after the last.
 */
PGresult *
db_pg_cursor_next(struct db_pg_cursor *c)
{
	PGresult *res = g_queue_pop_head(&c->kept);

	if (res == NULL && c->out) {
		c->out = 0;
		res = db_pg_cursor_answer(c);
	}
	if (res == NULL || !c->open)
		return res;
	if (!db_pg_cursor_ok(res))
		db_pg_cursor_end(c, 0);
	else if (pq.PQntuples(res) == DB_PG_CURSOR_CHUNK)
		db_pg_cursor_send(c);
	else
		db_pg_cursor_end(c, 1);
	return res;
}

/* The connection free: the rest of the rows read and kept, c ended. */
void
db_pg_cursor_drain(struct db_pg_cursor *c)
{
	g_autofree char *all = g_strdup_printf("FETCH ALL FROM %s", c->name);
	PGresult *res;

	if (c->out) {
		c->out = 0;
		res = db_pg_cursor_answer(c);
		g_queue_push_tail(&c->kept, res);
		if (!db_pg_cursor_ok(res) ||
		    pq.PQntuples(res) < DB_PG_CURSOR_CHUNK)
			db_pg_cursor_end(c, db_pg_cursor_ok(res));
	}
	if (c->open) {
		res = pq.PQexec(c->conn, all);
		g_queue_push_tail(&c->kept, res);
		db_pg_cursor_end(c, db_pg_cursor_ok(res));
	}
	if (c->ending) {
		c->ending = 0;
		pq.PQclear(db_pg_cursor_answer(c));
	}
}

/* Done with c, read to its end or not. */
void
db_pg_cursor_free(struct db_pg_cursor *c)
{
	PGresult *res;

	if (c == NULL)
		return;
	if (c->out) {
		c->out = 0;
		pq.PQclear(db_pg_cursor_answer(c));
	}
	db_pg_cursor_end(c, 1);
	if (c->ending)
		pq.PQclear(db_pg_cursor_answer(c));
	while ((res = g_queue_pop_head(&c->kept)) != NULL)
		pq.PQclear(res);
	g_free(c->name);
	g_free(c->fetch);
	g_free(c);
}
#endif /* HAVE_LIBPQ */

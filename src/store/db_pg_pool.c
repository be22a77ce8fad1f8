/*
 * db_pg_pool.c: is the daemon's session its own?  A pooler that lends
 * a server connection for one transaction at a time (PgBouncer's
 * pool_mode = transaction or statement) breaks what reboundd keeps in
 * its session: the settings every session makes (db_pg_session.c) go
 * on to other clients and are lost to it, the probes' advisory lock
 * (db_pg_lead()) outlives it, a LISTEN misses notifications, and a
 * statement prepared on one server connection is run on another.
 * Directly or through a session pool none of that happens.
 *
 * The check, once at the daemon's start (db_claim()): the session sets
 * a mark of its own (rebound.session, random), then a second connection
 * asks, inside a transaction, whether it sees the mark; then the
 * session asks again while the second still holds its server
 * connection.  On a session of its own the second never sees the mark
 * (a new backend, or a pooled one reset by PgBouncer's DISCARD ALL) and
 * the session always does.  Under transaction pooling the mark stays on
 * the server connection the SET ran on, which PgBouncer lends next to
 * whoever asks first (server_round_robin = 0, its default): the second
 * connection sees it, or, if it got another, the session is lent
 * another one and does not.  Either sight is certain, so the daemon
 * refuses to start on it.  Seeing nothing odd proves nothing (a pooler
 * lending the session its old server connection again after the second
 * took a third), and a pool with no server connection to spare for
 * DB_PG_POOL_WAIT is no answer either: the check then passes.
 */
#include "config.h"

#ifdef HAVE_LIBPQ
#include <poll.h>
#include <string.h>

#include "db.h"
#include "db_pg.h"
#include "pq.h"

#define DB_PG_POOL_WAIT	5000	/* ms for an answer */

enum db_pg_sight { DB_PG_NONE = -1, DB_PG_OTHER = 0, DB_PG_MARK = 1 };

/* The answer to sql, sent on conn, within ms: whether its value is mark. */
static enum db_pg_sight
db_pg_pool_ask(PGconn *conn, const char *sql, const char *mark, int ms)
{
	gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
	enum db_pg_sight sight = DB_PG_NONE;
	struct pollfd pfd = { .fd = pq.PQsocket(conn), .events = POLLIN };
	PGresult *res;

	if (!pq.PQsendQuery(conn, sql))
		return DB_PG_NONE;
	for (;;) {
		if (!pq.PQconsumeInput(conn))
			return DB_PG_NONE;
		if (!pq.PQisBusy(conn))
			break;
		ms = (int)((until - g_get_monotonic_time()) / 1000);
		if (ms <= 0 || poll(&pfd, 1, ms) < 0)
			return DB_PG_NONE;	/* still waiting: no answer */
	}
	while ((res = pq.PQgetResult(conn)) != NULL) {
		if (pq.PQresultStatus(res) == PGRES_TUPLES_OK &&
		    pq.PQntuples(res) == 1)
			sight = strcmp(pq.PQgetvalue(res, 0, 0), mark) == 0 ?
			    DB_PG_MARK : DB_PG_OTHER;
		else if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
			sight = DB_PG_NONE;
		pq.PQclear(res);
	}
	return sight;
}

/* What conn still has to answer, read and dropped. */
static void
db_pg_pool_drain(PGconn *conn)
{
	PGresult *res;

	while ((res = pq.PQgetResult(conn)) != NULL)
		pq.PQclear(res);
}

/* Whether the mark, set on d's session, was seen where it should not be. */
static int
db_pg_pool_leaks(struct db_pg *d, const char *mark)
{
	static const char ask[] =
	    "SELECT current_setting('rebound.session', true)";
	g_autofree char *in_other = g_strconcat("BEGIN; ", ask, NULL);
	enum db_pg_sight other, own = DB_PG_NONE;
	PGconn *conn = pq.PQconnectdb(d->uri);

	other = pq.PQstatus(conn) == CONNECTION_OK ?
	    db_pg_pool_ask(conn, in_other, mark, DB_PG_POOL_WAIT) : DB_PG_NONE;
	if (other == DB_PG_OTHER)
		own = db_pg_pool_ask(d->conn, ask, mark, DB_PG_POOL_WAIT);
	pq.PQfinish(conn);		/* its transaction and server go */
	db_pg_pool_drain(d->conn);	/* an answer that waited for them */
	return other == DB_PG_MARK || own == DB_PG_OTHER;
}

/*
 * 1 unless the session is seen not to be the daemon's own (the comment
 * above); a session that cannot be checked is taken as its own.
 */
int
db_pg_pool_check(struct db_pg *d, GError **error)
{
	g_autofree char *mark = g_strdup_printf("%08x%08x",
	    g_random_int(), g_random_int());
	g_autofree char *set = g_strdup_printf(
	    "SELECT set_config('rebound.session', '%s', false)", mark);
	PGresult *res;
	int ok;

	if (!db_pg_alive(d) || pq.PQpipelineStatus(d->conn) != PQ_PIPELINE_OFF)
		return 1;
	res = pq.PQexec(d->conn, set);
	ok = pq.PQresultStatus(res) == PGRES_TUPLES_OK;
	pq.PQclear(res);
	if (!ok || !db_pg_pool_leaks(d, mark))
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
	    "%s: the session is not reboundd's own: a setting made on it "
	    "was seen by another connection or lost to it, as behind a "
	    "pooler in transaction mode (PgBouncer's pool_mode = "
	    "transaction); connect directly or through a session pool",
	    d->db.name);
	return 0;
}
#endif

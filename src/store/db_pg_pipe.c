/*
 * db_pg_pipe.c: libpq's pipeline for the PostgreSQL engine (db_pg.c):
 * inside a transaction, a write whose answer the store does not wait
 * for (db_send()) or reads later (db_pipe()) goes out at once, and its
 * answer is read with the next statement's: one round trip for them.
 */
#include "config.h"

#ifdef HAVE_LIBPQ
#include <string.h>

#include "db.h"
#include "db_pg.h"
#include "pq.h"

/*
 * Whether s's values may go to its prepared statement: their types are
 * those it was prepared with, but for a NULL, which is a value of any
 * type, and an integer where it was prepared with an unbound one (a
 * NULL too: the server took the column's type).  An outcome's optional
 * fields are there or not from one to the next, and each change of
 * type would cost a round trip outside the pipeline.
 */
int
db_pg_fits(const struct db_pg_stmt *s)
{
	int i;

	if (s->name == NULL)
		return 0;
	for (i = 0; i < s->nparams; i++)
		if (s->types[i] != s->prepared_types[i] && s->values[i] != NULL &&
		    (s->prepared_types[i] != 0 || s->types[i] != DB_PG_INT8))
			return 0;
	return 1;
}

/* Answer res of statement i in the pipeline: 0 if it failed. */
static int
db_pg_answer(struct db_pg *d, guint i, PGresult *res)
{
	struct db_pg_stmt *k = g_ptr_array_index(d->kept, i);

	if (!db_pg_result_ok(d, res)) {
		pq.PQclear(res);
		return 0;
	}
	if (k != NULL && k->res == NULL) {
		k->res = res;
		k->row = -1;	/* its first step gives the first row */
	} else
		pq.PQclear(res);
	return 1;
}

/*
 * Read the answers of the statements in the pipeline, then, when own_r
 * is given, that of the one sent last (into *own_r, unless one before it
 * failed), then the sync's; leave pipeline mode.  0 if one failed.
 */
static int
db_pg_collect(struct db_pg *d, PGresult **own_r)
{
	guint i, n = d->sent + (own_r != NULL);
	PGresult *res;
	int ok = 1;

	for (i = 0; i < n; i++)
		while ((res = pq.PQgetResult(d->conn)) != NULL) {
			if (i == d->sent && ok && *own_r == NULL)
				*own_r = res;
			else if (ok && i < d->sent)
				ok = db_pg_answer(d, i, res);
			else
				pq.PQclear(res);
		}
	res = pq.PQgetResult(d->conn);
	if (pq.PQresultStatus(res) != PGRES_PIPELINE_SYNC && ok) {
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
		ok = 0;
	}
	pq.PQclear(res);
	if (!pq.PQexitPipelineMode(d->conn) && ok) {
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
		ok = 0;
	}
	db_pg_unpipe(d, ok);
	if (!ok && own_r != NULL)
		g_clear_pointer(own_r, pq.PQclear);
	return ok;
}

/* The answers of the statements in the pipeline, read: 0 if one failed. */
int
db_pg_flush(struct db_pg *d)
{
	db_pg_drain(d);
	if (d->sent == 0)
		return 1;
	if (!pq.PQpipelineSync(d->conn))
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
	return db_pg_collect(d, NULL);
}

/*
 * Statement s (or, when NULL, sql without parameters) sent after those
 * in the pipeline, and all their answers read: its result, or NULL if
 * it or one before it failed.
 */
PGresult *
db_pg_along(struct db_pg *d, struct db_pg_stmt *s, const char *sql)
{
	PGresult *res = NULL;
	int sent;

	if (s == NULL)
		sent = pq.PQsendQueryParams(d->conn, sql, 0, NULL, NULL, NULL,
		    NULL, 0);
	else if (db_pg_fits(s))
		sent = pq.PQsendQueryPrepared(d->conn, s->name, s->nparams,
		    (const char *const *)s->values, NULL, NULL, 0);
	else
		sent = pq.PQsendQueryParams(d->conn, s->sql, s->nparams, s->types,
		    (const char *const *)s->values, NULL, NULL, 0);
	if (!sent || !pq.PQpipelineSync(d->conn)) {
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
		if (sent) {	/* its answer is read, and dropped */
			g_ptr_array_add(d->kept, NULL);
			d->sent++;
		}
		db_pg_collect(d, NULL);
		return NULL;
	}
	if (!db_pg_collect(d, &res) || res == NULL) {
		pq.PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Send s into the pipeline, inside a transaction, once it is prepared:
 * its answer is read with the next statement's, and kept for s's next
 * step when keep.  Else (1 on return) it is to be stepped at once.
 */
int
db_pg_enqueue(struct db_pg *d, struct db_pg_stmt *s, int keep, int *rc_r)
{
	*rc_r = DB_DONE;
	if (!db_pg_alive(d)) {
		*rc_r = DB_ERROR;
		return 0;
	}
	if (s->name != NULL && s->session != d->session)
		g_clear_pointer(&s->name, g_free);
	if ((d->sent == 0 && pq.PQtransactionStatus(d->conn) != PQTRANS_INTRANS) ||
	    !db_pg_fits(s))
		return 1;
	if ((d->sent == 0 && !pq.PQenterPipelineMode(d->conn)) ||
	    !pq.PQsendQueryPrepared(d->conn, s->name, s->nparams,
	    (const char *const *)s->values, NULL, NULL, 0)) {
		db_pg_set_error(d, pq.PQerrorMessage(d->conn));
		db_pg_flush(d);
		*rc_r = DB_ERROR;
		return 0;
	}
	g_ptr_array_add(d->kept, keep ? s : NULL);
	s->piped = keep;
	d->sent++;
	return 0;
}


#endif

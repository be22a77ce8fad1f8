/*
 * db_pg.h: what db_pg.c uses of the files beside it: a statement in
 * PostgreSQL's dialect (db_pg_dialect.c) and a big read in chunks
 * through a cursor (db_pg_cursor.c).
 */
#ifndef REBOUND_DB_PG_H
#define REBOUND_DB_PG_H

#include <glib.h>
#include <libpq-fe.h>

/* db_pg_dialect.c */
char			*db_pg_dialect(const char *sql, int *nparams_r);

/* db_pg_cursor.c */
struct db_pg_cursor;

struct db_pg_cursor	*db_pg_cursor_open(PGconn *, guint n, const char *sql,
			    int nparams, const Oid *types,
			    const char *const *values);
PGresult		*db_pg_cursor_next(struct db_pg_cursor *);
void			 db_pg_cursor_drain(struct db_pg_cursor *);
void			 db_pg_cursor_free(struct db_pg_cursor *);

#endif

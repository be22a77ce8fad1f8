/*
 * db_pg.h: what the files of the PostgreSQL engine share: its
 * connection and statement, a statement in PostgreSQL's dialect
 * (db_pg_dialect.c), a big read in chunks through a cursor
 * (db_pg_cursor.c), libpq's pipeline (db_pg_pipe.c), the session
 * (db_pg_session.c), whether the session is its own (db_pg_pool.c).
 */
#ifndef REBOUND_DB_PG_H
#define REBOUND_DB_PG_H

#include <glib.h>
#include <libpq-fe.h>

#include "db.h"

struct db_pg_cursor;

struct db_pg {
	struct db	 db;		/* first: what db.c sees */
	PGconn		*conn;
	char		*error;		/* the last statement's */
	char		 sqlstate[6];	/* and its SQLSTATE, or "" */
	guint		 nprepared;	/* names the next statement */
	guint		 session;	/* grows with each reconnection */
	gint64		 backoff;	/* microseconds; 0: connected */
	gint64		 retry_at;	/* monotonic time of the next try */
	GHashTable	*duties;	/* duty -> session it was taken on */
	guint		 listening;	/* session that LISTENs, + 1; 0: none */
	guint		 sent;		/* statements in the pipeline, unread */
	GPtrArray	*kept;		/* each one's statement that keeps its
					   answer (db_pg_pipe()), or NULL */
	int		 unset;		/* the session's settings not sent yet */
	struct db_pg_stmt *reading;	/* whose cursor is open */
	int		 readonly;
	char		*uri;		/* to connect again (db_pg_pool.c) */
};

struct db_pg_stmt {
	struct db_stmt	 st;		/* first */
	char		*sql;		/* with $N */
	int		 nparams;
	char		**values;	/* owned; NULL: a NULL */
	Oid		*types;		/* of this binding */
	Oid		*prepared_types; /* of the prepared one */
	char		*name;		/* once prepared */
	guint		 runs;		/* the steps that ran it */
	guint		 session;	/* the one it was prepared on */
	int		 many;		/* read through a cursor (db_many()) */
	struct db_pg_cursor *cursor;	/* while it is */
	PGresult	*res;
	int		 row;		/* the one the columns read */
	int		 piped;		/* its answer is in the pipeline */
};

#define DB_PG(d)	((struct db_pg *)(d))
#define DB_PG_STMT(s)	((struct db_pg_stmt *)(s))
#define DB_PG_INT8	20	/* pg_type.oid of int8 */
#define DB_PG_TEXT	25	/* and of text */

/* db_pg_session.c */
void			 db_pg_set_error(struct db_pg *, const char *);
int			 db_pg_result_ok(struct db_pg *, PGresult *);
void			 db_pg_notice(void *, const char *);
char			*db_pg_settings(struct db_pg *, const char *sql);
int			 db_pg_session(struct db_pg *);
void			 db_pg_drain(struct db_pg *);
void			 db_pg_unpipe(struct db_pg *, int ok);
int			 db_pg_alive(struct db_pg *);

/* db_pg_pool.c */
int			 db_pg_pool_check(struct db_pg *, GError **);

/* db_pg_pipe.c */
int			 db_pg_flush(struct db_pg *);
int			 db_pg_fits(const struct db_pg_stmt *);
PGresult		*db_pg_along(struct db_pg *, struct db_pg_stmt *,
			    const char *sql);
int			 db_pg_enqueue(struct db_pg *, struct db_pg_stmt *,
			    int keep, int *rc_r);

/* db_pg_dialect.c */
char			*db_pg_dialect(const char *sql, int *nparams_r);

/* db_pg_cursor.c */
struct db_pg_cursor	*db_pg_cursor_open(PGconn *, guint n, const char *sql,
			    int nparams, const Oid *types,
			    const char *const *values);
PGresult		*db_pg_cursor_next(struct db_pg_cursor *);
void			 db_pg_cursor_drain(struct db_pg_cursor *);
void			 db_pg_cursor_free(struct db_pg_cursor *);

#endif

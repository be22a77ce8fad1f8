/*
 * db.h: the store's engine seam, a small driver below store*.c.  The
 * store (store_int.h) writes its statements once, with SQLite's "?" and
 * "?N" parameters, and runs them through these functions on whichever
 * engine opened the database: SQLite (db_sqlite.c, a file path) or
 * PostgreSQL (db_pg.c, a postgresql:// URI, when built with libpq).
 * Nothing but the store includes this header.
 *
 * A statement is prepared once and stepped many times: bind, step until
 * DB_DONE (DB_ROW gives a row whose columns are valid until the next
 * step or reset), then db_reset(), which also clears the bindings (an
 * unbound parameter is NULL).  db_changes() and db_last_id() are those
 * of the last statement stepped on the connection.  db_send() steps a
 * write whose rows and changes the caller never reads: an engine may
 * send it now and read its answer with the next statement's, which
 * then fails if it failed (PostgreSQL's pipeline: db_pg.c).  db_pipe()
 * lets an engine start a statement whose answer the caller reads later,
 * with its next db_step(): it may run then, after the statements between
 * (SQLite), or go now, its answer read with theirs (PostgreSQL); the
 * caller pipes only what no statement between depends on.  db_many()
 * says that a statement's rows may be too many to hold at once: an
 * engine that would read them whole reads them in parts as they are
 * stepped (PostgreSQL's cursor: db_pg_cursor.c).
 *
 * Each engine is one struct db_engine in its own file and one line of
 * db.c's list: db_open() asks each in turn whether the name is its own.
 */
#ifndef REBOUND_DB_H
#define REBOUND_DB_H

#include <glib.h>

enum db_rc { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

/* How to open: what SQLite needs; PostgreSQL reads only readonly. */
struct db_options {
	const char	*shown;		/* the name for messages (no password) */
	int		 readonly;	/* no writes, no migration */
	int		 sync_full;	/* SQLite: synchronous = FULL */
	int		 busy_timeout;	/* SQLite: milliseconds */
};

/* What every engine's connection and statement begin with. */
struct db_engine;
struct db {
	const struct db_engine	*engine;
	char			*name;	/* path or URI, for messages */
	gint64			 changes;
};
struct db_stmt {
	struct db		*db;
};

struct db_engine {
	const char	*name;		/* "sqlite", "postgresql" */
	int		 (*owns)(const char *where);
	struct db	*(*open)(const char *where, const struct db_options *,
			    GError **);
	void		 (*close)(struct db *);
	const char	*(*errmsg)(struct db *);
	int		 (*exec)(struct db *, const char *sql, GError **);
	struct db_stmt	*(*prepare)(struct db *, const char *sql,
			    GError **);
	void		 (*finalize)(struct db_stmt *);
	void		 (*bind_int64)(struct db_stmt *, int, gint64);
	void		 (*bind_text)(struct db_stmt *, int, const char *);
	void		 (*bind_null)(struct db_stmt *, int);
	void		 (*bind_value)(struct db_stmt *, int, const char *);
	int		 (*step)(struct db_stmt *);
	int		 (*send)(struct db_stmt *);	/* NULL: step */
	int		 (*pipe)(struct db_stmt *);	/* NULL: nothing */
	void		 (*many)(struct db_stmt *);	/* NULL: nothing */
	void		 (*reset)(struct db_stmt *);
	int		 (*column_null)(struct db_stmt *, int);
	gint64		 (*column_int64)(struct db_stmt *, int);
	const char	*(*column_text)(struct db_stmt *, int);
	int		 (*column_count)(struct db_stmt *);
	const char	*(*column_name)(struct db_stmt *, int);
	int		 (*copied)(struct db *, const char *table, GError **);
	gint64		 (*last_id)(struct db *);
	int		 (*in_transaction)(struct db *);
	int		 (*version)(struct db *, int *version_r, GError **);
	int		 (*set_version)(struct db *, int version, GError **);
	int		 (*claim)(struct db *, GError **);
	int		 (*lead)(struct db *, const char *duty);
	int		 (*notify)(struct db *, const char *channel, GError **);
	void		 (*wait)(struct db *, const char *channel, int ms);
	int		 (*retry)(struct db *);	/* NULL: never */
	const char	*lock_sql;	/* inside begin_sql: one migrator */
	const char	*begin_sql;	/* a write transaction */
	const char	*writers_sql;	/* the writers' turn (NULL: begin_sql
					   took it) */
	int		 limit_null;	/* LIMIT NULL, not -1, is no limit */
	int		 batched;	/* each answer waited for a round
					   trip: rows worth reading at once,
					   "= ANY(?::text[])" takes a list */
	const char	*ids_sql;	/* ?1's ids given past ?2: the next
					   default one after (NULL: rowid) */
	const char	*newest_sql;	/* the newest outcome id given, even
					   if deleted since (NULL: max(id)) */
	const char	*const *migrations;	/* sql.h's, this engine's */
};

/* db.c */
struct db	*db_open(const char *where, const struct db_options *,
		    GError **);
void		 db_close(struct db **);
const char	*db_engine_name(struct db *);
const char	*db_errmsg(struct db *);
int		 db_exec(struct db *, const char *sql, GError **);
int		 db_begin(struct db *, GError **);
const char	*db_writers_sql(struct db *);
int		 db_batched(struct db *);
const char	*db_ids_sql(struct db *);
const char	*db_newest_sql(struct db *);
int		 db_retry(struct db *);
int		 db_commit(struct db *, GError **);
void		 db_rollback(struct db *);
int		 db_in_transaction(struct db *);
int		 db_migrate(struct db *, int target, int readonly,
		    GError **);
int		 db_claim(struct db *, GError **);
int		 db_lead(struct db *, const char *duty);
int		 db_notify(struct db *, const char *channel, GError **);
void		 db_wait(struct db *, const char *channel, int ms);
struct db_stmt	*db_prepare(struct db *, const char *sql, GError **);
void		 db_finalize(struct db_stmt *);
void		 db_bind_int64(struct db_stmt *, int, gint64);
void		 db_bind_int(struct db_stmt *, int, int);
void		 db_bind_text(struct db_stmt *, int, const char *);
void		 db_bind_null(struct db_stmt *, int);
void		 db_bind_limit(struct db_stmt *, int, gint64);
void		 db_bind_value(struct db_stmt *, int, const char *);
int		 db_step(struct db_stmt *);
int		 db_send(struct db_stmt *);
int		 db_pipe(struct db_stmt *);
void		 db_many(struct db_stmt *);
void		 db_reset(struct db_stmt *);
int		 db_column_null(struct db_stmt *, int);
gint64		 db_column_int64(struct db_stmt *, int);
int		 db_column_int(struct db_stmt *, int);
const char	*db_column_text(struct db_stmt *, int);
int		 db_column_count(struct db_stmt *);
const char	*db_column_name(struct db_stmt *, int);
int		 db_copied(struct db *, const char *table, GError **);
gint64		 db_changes(struct db *);
gint64		 db_last_id(struct db *);
int		 db_is_url(const char *where);

/* db_sqlite.c, db_pg.c */
extern const struct db_engine db_sqlite;
extern const struct db_engine db_pg;

#endif

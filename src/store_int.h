/*
 * store_int.h: what the files of the store module share, and nothing
 * outside it sees.  store.c owns the connection and its statements;
 * store_events.c keeps the events outbox on the same connection, with
 * statements of its own.  Every SQL statement is in one of the two.
 */
#ifndef REBOUND_STORE_INT_H
#define REBOUND_STORE_INT_H

#include <glib.h>
#include <sqlite3.h>

#include "store.h"

struct store_events;

/* store.c */
sqlite3			*store_db(struct store *);
struct store_events	*store_events_data(struct store *);
int			 store_error(struct store *, GError **,
			    const char *what);
void			 store_done(sqlite3_stmt *);
int			 store_step(struct store *, sqlite3_stmt *, GError **,
			    const char *what);
int			 store_rows_end(struct store *, sqlite3_stmt *, int rc,
			    GError **, const char *what);

/* store_events.c */
struct store_events	*store_events_new(void);
void			 store_events_free(struct store_events **);
int			 store_events_change(struct store *,
			    const char *address, const char *previous,
			    const char *state, gint64 outcome, const char *why,
			    GError **);

#endif

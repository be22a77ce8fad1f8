/*
 * store_int.h: what the files of the store module share, and nothing
 * outside it sees.  store.c owns the connection and its statements;
 * store_events.c keeps the events outbox on the same connection, with
 * statements of its own, and so does store_probes.c for the probes.
 * Every SQL statement is in one of the three.
 */
#ifndef REBOUND_STORE_INT_H
#define REBOUND_STORE_INT_H

#include <glib.h>
#include <sqlite3.h>

#include "store.h"

struct store_events;
struct store_probes;

/* A probe that ran out, as the fold of its address's history reads it. */
struct store_expiry {
	gint64		 at;		/* when it was decided */
	char		*why;
};

/* store.c */
sqlite3			*store_db(struct store *);
struct store_events	*store_events_data(struct store *);
struct store_probes	*store_probes_data(struct store *);
int			 store_replay(struct store *, const char *address,
			    const char *why, GError **);
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

/* store_probes.c */
struct store_probes	*store_probes_new(const struct probe_conf *);
void			 store_probes_free(struct store_probes **);
GArray			*store_expiries_new(void);
int			 store_probe_expiries(struct store *,
			    const char *address, GArray *, GError **);
int			 store_probe_expiries_all(struct store *,
			    GHashTable *, GError **);
int			 store_probe_check(struct store *, const char *token,
			    const char *named, gint64 *probe_r,
			    char **address_r, GError **);
int			 store_probe_bounced(struct store *, gint64 probe,
			    gint64 outcome, gint64 at, GError **);
int			 store_probe_forged(struct store *,
			    const struct store_meta *, const char *named,
			    int check, GError **);

#endif

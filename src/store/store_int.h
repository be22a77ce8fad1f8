/*
 * store_int.h: what the files of the store module share, and nothing
 * outside it sees, grouped by the file that defines it.  store.c owns
 * the connection, the migrations, the transactions and the one cache
 * of prepared statements, and calls no other file of the store: what
 * it must do for one (free its part, replay the stale addresses before
 * commit) that file registers.  Each other file keeps its own SQL, as
 * data, and runs it one way: store_run() (a change) or store_rows()
 * (rows to a callback) with its values as an array of struct store_arg,
 * or store_bound() and its own steps:
 *  - store_record.c: a message and its outcomes recorded, each address
 *    brought one step further (add, update);
 *  - store_fold.c: an address's whole history folded into its row
 *    (fold, replay), for the files above it;
 *  - store_guard.c: the incident guard's bridge and the incidents;
 *  - store_query.c: what an operator reads (list, show, stats);
 *  - store_prune.c: prune and its dry-run, forget, expire;
 *  - store_events.c: the events outbox;
 *  - store_hooks.c: the hooks' delivery state;
 *  - store_probes.c: the probes and the checks of their bounces.
 */
#ifndef REBOUND_STORE_INT_H
#define REBOUND_STORE_INT_H

#include <glib.h>

#include "db.h"
#include "guard.h"
#include "policy.h"
#include "store.h"

/* An outcome as the policy counts it: its incident's state says how. */
#define STORE_HELD_STATE \
	"(SELECT i.state FROM incidents i WHERE i.id = o.incident)"

/* The state a file of the store keeps in it, made on first use. */
enum store_part {
	STORE_PART_EVENTS,		/* store_events.c's */
	STORE_PART_PROBES,		/* store_probes.c's */
	STORE_PART_ADDRS,		/* store_addrs.c's */
	STORE_NPARTS
};

/*
 * What reads rows with the lock's round trip, for the turn to use
 * (store_addrs.c's, registered when it is given an address): send
 * goes out behind the lock, read after the newest outcome's answer,
 * end when the turn is over.
 */
struct store_ahead {
	int		(*send)(struct store *, GError **);
	int		(*read)(struct store *, GError **);
	void		(*end)(struct store *);
};

/* What brings the guard up to date with another writer's outcomes, up
   to newest (store_guard.c's, registered when it loads the guard). */
typedef int store_sync_fn(struct store *, gint64 newest, GError **);
typedef int store_replay_fn(struct store *, const char *address,
    const char *why, GError **);

/* A probe that ran out, as the fold of its address's history reads it. */
struct store_expiry {
	gint64		 at;		/* when it was decided */
	char		*why;
};

struct store {
	struct db	*db;		/* SQLite or PostgreSQL (db.h) */
	char		*path;
	char		*node;		/* [store] node: each outcome's */
	gint64		 newest;	/* outcome, after our last commit */
	gint64		 mine;		/* newest outcome of this transaction */
	int		 locked;	/* the writers' turn is this one's */
	gint64		 turn_asked;	/* monotonic µs: the turn asked for, */
	gint64		 turn_taken;	/* and had (store_lock()) */
	gint64		 turn_waited;	/* µs since open, summed */
	gint64		 turn_held;
	struct policy	 policy;
	GHashTable	*stmts;		/* SQL text -> statement, prepared on
					   first use */
	GHashTable	*stale;		/* addresses to replay before commit */
	GHashTable	*texts;		/* text -> id, this transaction's
					   (store_texts.c) */
	struct guard	*guard;		/* NULL until the first hard outcome */
	GError		*guard_error;	/* a write the guard's calls failed */
	store_incident_fn *incident_fn;	/* told of openings and closings */
	void		*incident_data;
	guint64		 held;		/* outcomes held since opened */
	guint64		 opened;	/* incidents opened since then */
	guint64		 catchups;	/* another writer's outcomes fed */
	guint64		 rebuilds;	/* the guard read back whole */
	int		 syncing;	/* feeding them: the guard's calls
					   write nothing */
	gint64		 sync_incident;	/* what holds the one being fed */
	int		 sync_differs;	/* the guard decided otherwise */
	GArray		*sync_fed;	/* outcome, incident: as fed */
	store_replay_fn	*replay;	/* what replays stale before commit */
	store_sync_fn	*sync;		/* what feeds the guard another
					   writer's outcomes at begin */
	const struct store_ahead *ahead; /* what reads with the lock */
	void		*parts[STORE_NPARTS];
	GDestroyNotify	 part_free[STORE_NPARTS];
};

/* store.c */
/*
 * A value for a statement's ?N (store_bound()): STORE_INT(n),
 * STORE_NONZERO(n) (0 is NULL), STORE_TEXT(t) (NULL is NULL: a filter's
 * "?N IS NULL" lets every row by) and STORE_OPT(t) (NULL and "" are
 * NULL: a field that may be missing), STORE_LIMIT(n) (a LIMIT: -1 is
 * none, which the engines say differently).  STORE_ARGS(a) passes an
 * array.
 */
struct store_arg {
	enum { STORE_ARG_INT, STORE_ARG_NONZERO, STORE_ARG_TEXT,
	    STORE_ARG_OPT, STORE_ARG_LIMIT } type;
	gint64		 n;
	const char	*text;
};
#define STORE_INT(v)		{ STORE_ARG_INT, (v), NULL }
#define STORE_NONZERO(v)	{ STORE_ARG_NONZERO, (v), NULL }
#define STORE_TEXT(v)		{ STORE_ARG_TEXT, 0, (v) }
#define STORE_OPT(v)		{ STORE_ARG_OPT, 0, (v) }
#define STORE_LIMIT(v)		{ STORE_ARG_LIMIT, (v), NULL }
#define STORE_ARGS(a)		(a), G_N_ELEMENTS(a)

/*
 * A text kept once in texts (sql/014-texts.sql), read back by the id
 * that outcome o holds in column: STORE_TEMPLATE for a diagnostic or
 * evidence, whose odd id is a template with o's recipient (NULL: its
 * address) put back for each 0x01; STORE_TEXT_OF for any other.
 */
#define STORE_TEMPLATE(o, column) \
	"(SELECT CASE WHEN " o "." column " % 2 = 1 THEN replace(text, " \
	"'\001', coalesce(" o ".recipient, " o ".address)) ELSE text END " \
	"FROM texts " \
	"WHERE id = " o "." column " / 2)"
#define STORE_TEXT_OF(column) \
	"(SELECT text FROM texts WHERE id = " column ")"
/*
 * A digest, stored as its 32 bytes (sql/015-*.sql), in hex as rebound
 * shows it; NULL stays NULL.  hex_lower() is the engines' own
 * (db_sqlite.c, sql/015-*.sql).
 */
#define STORE_HEX(column) \
	"hex_lower(" column ")"

/* One row of a statement (store_rows()); 0 stops the loop. */
typedef int store_row_fn(struct db_stmt *, void *);

/* A caller's callback and its data, as a store_row_fn passes rows on. */
struct store_to {
	union {
		store_incident_fn	*incident;
		store_outcome_fn	*outcome;
		store_event_fn		*event;
		store_probe_fn		*probe;
	} fn;
	void		*data;
};

int			 store_error(struct store *, GError **,
			    const char *what);
int			 store_exec(struct store *, const char *sql,
			    GError **);
struct db_stmt		*store_stmt(struct store *, const char *sql,
			    GError **);
struct db_stmt		*store_bound(struct store *, const char *sql,
			    const struct store_arg *, size_t, GError **);
int			 store_run(struct store *, const char *sql,
			    const struct store_arg *, size_t, GError **,
			    const char *what);
int			 store_rows(struct store *, const char *sql,
			    const struct store_arg *, size_t, store_row_fn *,
			    void *, GError **, const char *what);
int			 store_strings(struct store *, const char *sql,
			    const struct store_arg *, size_t, GPtrArray *,
			    GError **, const char *what);
int			 store_number(struct store *, const char *sql,
			    const struct store_arg *, size_t, gint64 *,
			    GError **, const char *what);
void			 store_done(struct db_stmt *);
void			 store_bind_text(struct db_stmt *, int, const char *);
void			 store_bind_filter(struct db_stmt *, int,
			    const char *);
const char		*store_column_text(struct db_stmt *, int);
char			*store_first_text(struct db_stmt *);
int			 store_step(struct store *, struct db_stmt *, GError **,
			    const char *what);
int			 store_rows_end(struct store *, struct db_stmt *, int rc,
			    GError **, const char *what);
int			 store_count(struct store *, const char *sql,
			    const char *text, gint64 number, gint64 *n_r,
			    GError **);
int			 store_addresses_of(struct store *, const char *sql,
			    gint64 number, GPtrArray *, GError **);
void			*store_part(struct store *, enum store_part,
			    void *(*make)(void), GDestroyNotify);
void			 store_stale(struct store *, const char *address,
			    store_replay_fn *);

/* store_texts.c */
int			 store_text_id(struct store *, const char *text,
			    gint64 *id_r, GError **);
char			*store_text_read(struct store *, gint64 id);
int			 store_texts_find(struct store *, const char *const *texts,
			    size_t n, GError **);

/* store_addrs.c */
/* An address's row as read: its texts the statement's, or kept. */
struct store_addr_row {
	int		 found;		/* 0: no row */
	const char	*state, *reason, *days;
	int		 hard, soft, complaints, suspect_day;
	gint64		 first, last;
};
void			 store_addr_row_read(struct db_stmt *, int,
			    struct store_addr_row *);
void			 store_addrs_want(struct store *, const char *address);
const struct store_addr_row *store_addrs_get(struct store *,
			    const char *address);
void			 store_addrs_put(struct store *, const char *address,
			    const struct policy_state *, const char *days,
			    gint64 first, gint64 last);
void			 store_addrs_forget(struct store *, const char *address);

/* store_fold.c */
/* An address's history folded through the policy, oldest first. */
struct store_fold {
	struct policy_state	 ps;
	GArray			*expiries;	/* of struct store_expiry: its
						   probes that ran out, by time */
	guint			 next;		/* the first not folded yet */
	char			*reason;	/* of the last outcome */
	gint64			 first, last;
	int			 n;
	gint64			 changed;	/* outcome that last changed
						   the state (0: none) */
};
void			 store_fold_init(struct store_fold *, GArray *expiries);
void			 store_fold_clear(struct store_fold *);
void			 store_fold_expiries(struct store_fold *,
			    const struct policy *, gint64 at);
void			 store_fold(struct store_fold *, const struct policy *,
			    const char *stored, const char *reason,
			    const char *confidence, int held, gint64 at,
			    gint64 outcome, gint64 probe);
int			 store_held(const char *);
int			 store_replay(struct store *, const char *address,
			    const char *why, GError **);
int			 store_address_drop(struct store *,
			    const char *address, gint64 *row_r, GError **);
int			 store_put_address(struct store *, const char *address,
			    struct policy_state *, gint64 first, gint64 last,
			    const char *reason, GError **);
GArray			*store_expiries_new(void);
int			 store_probe_expiries(struct store *,
			    const char *address, GArray *, GError **);
int			 store_probe_expiries_all(struct store *,
			    GHashTable *, GError **);

/* store_guard.c */
void			 store_guard_hit_row(struct db_stmt *,
			    struct guard_hit *);
int			 store_guard_hard(struct store *,
			    const struct guard_hit *, int *held_r, GError **);

/* store_events.c */
struct revent;
void			 store_event_columns(struct db_stmt *, int,
			    struct revent *);
int			 store_events_change(struct store *,
			    const char *address, const char *previous,
			    const char *state, gint64 outcome, const char *why,
			    GError **);

/* store_probes.c */
int			 store_probe_check(struct store *, const char *token,
			    const char *named, gint64 *probe_r,
			    char **address_r, GError **);
int			 store_probe_bounced(struct store *, gint64 probe,
			    gint64 outcome, gint64 at, GError **);
int			 store_probe_forged(struct store *,
			    const struct store_meta *, const char *named,
			    int check, GError **);

#endif

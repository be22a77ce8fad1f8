/*
 * store.h: the bounce database (SQLite).  Every statement on it is in
 * the store module (store*.c): the daemon and the CLI ask through these
 * functions.
 */
#ifndef REBOUND_STORE_H
#define REBOUND_STORE_H

#include <glib.h>

#include "conf.h"
#include "digest.h"
#include "guard.h"
#include "policy.h"
#include "probe.h"
#include "report.h"

/* What the source knows about a message, beside its report. */
struct store_meta {
	char		 digest[DIGEST_SIZE];
	gint64		 received;	/* when recorded */
	gint64		 at;		/* when it happened (the bounce's date) */
	const char	*source;	/* import, maildir, lmtp */
	const char	*envelope_to;
	const char	*subscriber;	/* VERP */
	const char	*address;	/* every outcome's, when the source
					   knows it better than the report
					   (ingest.c); NULL: each its own */
	const char	*bounce;	/* the bounce address (ingest.c) */
	const char	*list;		/* list id (listid.h) */
	const char	*list_address;	/* NAME@DOMAIN */
	const char	*probe_token;	/* sent to a probe's return path */
};

/* An incident of the guard (guard.h), as stored. */
struct store_incident {
	gint64		 id;
	enum guard_kind	 kind;
	const char	*group;
	gint64		 opened, first, last;
	gint64		 closed;	/* 0 while open */
	enum guard_state state;
	gint64		 addresses, outcomes;
	const char	*sample;
};
typedef void	 store_incident_fn(const struct store_incident *, void *);

enum store_mode { STORE_READ, STORE_WRITE };

struct store;

struct store	*store_open(const struct conf_store *, enum store_mode,
		    GError **);
void		 store_close(struct store **);
/*
 * reboundd's: whether it may run on this database beside others.  A
 * SQLite file is one daemon's alone while open (0 with why if another
 * has it); PostgreSQL takes any number (README, "Several daemons").
 */
int		 store_claim(struct store *, GError **);
/*
 * Whether this daemon does duty (NAME: "hook NAME", "probes") among the
 * daemons on the database, taking it when no other does: always on
 * SQLite; on PostgreSQL one daemon at a time, the next one taking over
 * when it stops or dies.
 */
int		 store_lead(struct store *, const char *duty);

int		 store_begin(struct store *, GError **);
int		 store_begin_shared(struct store *, GError **);
int		 store_lock(struct store *, GError **);
int		 store_retry(struct store *);
int		 store_add(struct store *, const struct store_meta *,
		    const struct report *, int *added_r, GError **);
/* store_add() in two halves, the first before the writers' turn. */
int		 store_add_message(struct store *, const struct store_meta *,
		    const struct report *, gint64 *message_r, GError **);
int		 store_add_outcomes(struct store *, const struct store_meta *,
		    const struct report *, gint64 message, int *added_r,
		    GError **);
int		 store_commit(struct store *, GError **);
void		 store_rollback(struct store *);
void		 store_set_policy(struct store *, const struct policy *);
/* Told, inside the transaction, of each incident opened or closed. */
void		 store_set_incident_fn(struct store *, store_incident_fn *,
		    void *);
/* The clock moved (the daemon's timer): close quiet incidents. */
int		 store_tick(struct store *, gint64 now, GError **);
/* Incidents open now; incidents opened and outcomes held since open. */
void		 store_guard_counts(struct store *, guint *open_r,
		    guint64 *opened_r, guint64 *held_r);
/* Seconds this store waited for the writers' turn, and held it. */
void		 store_turn_seconds(struct store *, double *waited_r,
		    double *held_r);
/* Another writer's outcomes fed to the guard, or the guard read whole. */
void		 store_guard_syncs(struct store *, guint64 *catchups_r,
		    guint64 *rebuilds_r);

/*
 * "rebound migrate" (store_copy.c): every row of from, a SQLite file,
 * into to, an empty database (PostgreSQL) of the same version, in one
 * transaction; fn is told each table's rows copied and counted in to,
 * and a difference fails the copy.
 */
typedef void	 store_copy_fn(const char *table, gint64 copied,
		    gint64 there, void *);
int		 store_copy(struct store *from, struct store *to,
		    store_copy_fn *, void *, GError **);

/*
 * The questions.  Rows come to a callback and are valid only during the
 * call; text columns may be NULL.
 */

/* One outcome as list and show print it. */
struct store_outcome {
	gint64		 at;
	const char	*address;
	const char	*class;
	const char	*reason;
	const char	*status;
	const char	*replycode;	/* as text; NULL when there is none */
	const char	*diagnostic;
	const char	*decided;
	const char	*list;		/* list id (listid.h), or NULL */
	const char	*source;
	const char	*confidence;	/* certain, likely, weak; NULL: older */
	gint64		 incident;	/* the incident holding it, or 0 */
	const char	*bounce;	/* the bounce address, or NULL */
	const char	*node;		/* [store] node of who recorded it;
					   NULL: before version 12 */
};
typedef void	 store_outcome_fn(const struct store_outcome *, void *);

/* list's filters; NULL (or limit -1) lets every row by. */
struct store_filter {
	gint64		 since;		/* G_MININT64: from the beginning */
	const char	*class;
	const char	*reason;
	const char	*domain;	/* lower case */
	const char	*list;		/* list id: listid_typed() */
	int		 limit;
};

/* An address's row: what the policy made of its outcomes. */
struct store_address {
	char		*address;
	char		*state;
	char		*state_reason;
	gint64		 hard, soft, complaints;
	gint64		 first_seen, last_seen;
};

/* An address the policy removes, or with a policy, a change to that. */
struct store_removed {
	char		 change;	/* '+' newly removed, '-' no longer */
	const char	*address;
	const char	*state;
	const char	*reason;
	gint64		 last_seen;
};
typedef void	 store_removed_fn(const struct store_removed *, void *);


/* stats: a count of outcomes in a group (class, reason, domain, day). */
typedef void	 store_count_fn(const char *group, const char *key,
		    gint64 count, void *);

int	 store_list(struct store *, const struct store_filter *,
	    store_outcome_fn *, void *, GError **);
int	 store_address(struct store *, const char *address,
	    struct store_address *r, GError **);
void	 store_address_clear(struct store_address *);
char	*store_address_near(struct store *, const char *address);
int	 store_history(struct store *, const char *address,
	    store_outcome_fn *, void *, GError **);
int	 store_stats(struct store *, gint64 since, store_count_fn *, void *,
	    GError **);
int	 store_prune(struct store *, const struct policy *,
	    store_removed_fn *, void *, GError **);
int	 store_removed_addresses(struct store *, store_removed_fn *, void *,
	    GError **);
int	 store_suspects(struct store *, store_removed_fn *, void *,
	    GError **);
int	 store_incidents(struct store *, store_incident_fn *, void *,
	    GError **);
int	 store_incident(struct store *, gint64 id, store_incident_fn *,
	    void *, GError **);

/* Changes, each inside store_begin() .. store_commit(). */
int	 store_forget(struct store *, const char *address, gint64 *outcomes_r,
	    int *found_r, GError **);
int	 store_expire(struct store *, gint64 cutoff, gint64 *messages_r,
	    gint64 *outcomes_r, guint *addresses_r, GError **);
/* An operator's word on an incident: "confirmed" or "discarded". */
int	 store_incident_decide(struct store *, gint64 id, enum guard_state,
	    gint64 now, int *found_r, GError **);

/*
 * Events (store_events.c): the outbox of state changes, each written in
 * the same transaction as the outcome that caused it (revent.h).
 * store_event_add() writes one inside a transaction: published at once
 * when due <= ev->time, else pending until due.  store_events_publish()
 * publishes what is due at now (reboundd after each commit and once a
 * second, rebound import at its end): only then does an event get its
 * id, so ids grow in the order events can be read.  store_events()
 * reads published ones, oldest first: after_id (0: from the first),
 * since_time (G_MININT64: all), type (NULL: any), limit (-1: all); fn
 * returns 0 to stop.  store_events_last() is the highest id (0: none,
 * -1: error).  address.dead waits store_set_event_delay() seconds
 * (default 3600; 0: published at once).
 */
struct revent;
typedef int	 store_event_fn(const struct revent *, void *);

int	 store_event_add(struct store *, const struct revent *, gint64 due,
	    GError **);
int	 store_events_publish(struct store *, gint64 now,
	    guint *published_r, GError **);
int	 store_events(struct store *, gint64 after_id, gint64 since_time,
	    const char *type, int limit, store_event_fn *, void *, GError **);
gint64	 store_events_last(struct store *);
/* Until new events may be there (PostgreSQL tells), or ms pass. */
void	 store_events_wait(struct store *, int ms);
void	 store_set_event_delay(struct store *, gint64 seconds);

/*
 * Hooks (store_hooks.c): events on their way to each [hook NAME], at
 * least once and in order per address.  A hook's cursor is the last
 * event handed over: store_hook_queue() makes a pending delivery of
 * each newer event of the types it takes (types: a comma list, or NULL
 * for all); store_hook_due() gives those whose time has come and whose
 * address has no earlier one pending; the result of an attempt is
 * recorded by store_hook_delivered() (the row goes), store_hook_retry()
 * or store_hook_failed() (parked for the operator, who may
 * store_hook_requeue() it).  On PostgreSQL, where several daemons
 * share the deliveries, store_hook_due() leases those it gives for
 * lease seconds (their next_try moves to the lease's end, so the others
 * skip them until it runs out: room at most, besides the busy ones the
 * caller has in flight, which SQLite gives again); each result names the delivery's
 * next_try as given (leased: the lease), and is not recorded when
 * another daemon has leased the delivery since; each records the
 * [store] node that leased or tried it (leased_by), and at a stop
 * store_hook_release() gives back the leases of what is left in
 * flight, due at once.  store_hook_list() lists the deliveries pending
 * or failed.  A delivery that was an action on a list
 * (acted: its time) counts towards the hook's max_actions_per_hour:
 * store_hook_limit() says whether the hook is paused and how many it
 * took in the last hour, store_hook_pause() pauses it, with a
 * hook.paused event, and store_hook_resume() resumes it (and forgets
 * its actions), with a hook.resumed event.
 */
/* A delivery of an event to a hook: sql/008-hooks.sql's states. */
enum store_delivery_state { DELIVERY_PENDING, DELIVERY_FAILED };
#define DELIVERY_STATES	(DELIVERY_FAILED + 1)

struct store_delivery {
	const char	*hook;
	gint64		 event;
	enum store_delivery_state state;
	int		 attempts;
	gint64		 queued;	/* handed over, Unix time */
	gint64		 next_try;	/* leased: the lease's end */
	const char	*last_error;	/* NULL: none yet */
	const char	*leased_by;	/* [store] node that took it last */
	const struct revent *ev;		/* the event itself */
};
typedef int	 store_delivery_fn(const struct store_delivery *, void *);
/* A delivery a daemon leased and gives back at a stop. */
struct store_lease {
	const char	*hook;
	gint64		 event;
	gint64		 lease;		/* its next_try as given */
};

int	 store_hook_start(struct store *, const char *hook, GError **);
int	 store_hook_queue(struct store *, const char *hook, const char *types,
	    gint64 now, guint *queued_r, GError **);
int	 store_hook_due(struct store *, const char *hook, gint64 now,
	    int lease, guint busy, int room, store_delivery_fn *, void *,
	    GError **);
int	 store_hook_delivered(struct store *, const char *hook, gint64 event,
	    gint64 lease, gint64 acted, GError **);
int	 store_hook_retry(struct store *, const char *hook, gint64 event,
	    gint64 lease, gint64 next_try, const char *why, GError **);
int	 store_hook_failed(struct store *, const char *hook, gint64 event,
	    gint64 lease, const char *why, GError **);
int	 store_hook_backlog(struct store *, const char *hook,
	    gint64 *pending_r, gint64 *oldest_r, GError **);
int	 store_hook_release(struct store *, const struct store_lease *,
	    guint n, gint64 now, guint *released_r, GError **);
int	 store_hook_list(struct store *, enum store_delivery_state,
	    store_delivery_fn *, void *, GError **);
int	 store_hook_requeue(struct store *, gint64 event, const char *hook,
	    gint64 now, guint *requeued_r, GError **);
int	 store_hook_limit(struct store *, const char *hook, gint64 now,
	    int *paused_r, gint64 *actions_r, GError **);
int	 store_hook_pause(struct store *, const char *hook, gint64 now,
	    gint64 actions, GError **);
int	 store_hook_resume(struct store *, const char *hook, gint64 now,
	    char ***names_r, GError **);

/*
 * Probes (store_probes.c, sql/013-probes.sql): the rows of the probes
 * that reboundd's prober sends for addresses in state probing (probe.h).
 * store_probe_make() records one for each probing address that has no
 * probe waiting or sent, none made within wait seconds, and no bounce
 * within delay seconds (the incident guard's window: it runs first);
 * store_probe_due() gives the waiting ones due, oldest first;
 * store_probe_sent() marks one sent (after the relay's 250),
 * store_probe_retry() puts it back for later; store_probe_expire()
 * decides those sent more than wait seconds ago with no bounce: alive
 * again, in the same transaction.  A bounce to a probe's token is
 * checked by store_add() (store_meta's probe_token) against the secret
 * store_set_probe() gave.
 */
struct store_probe {
	gint64		 id;
	const char	*address;
	gint64		 created;
	const char	*state;		/* waiting sent bounced expired */
	int		 attempts;
	gint64		 sent;		/* 0: not yet */
	gint64		 decided;	/* 0: not yet */
	const char	*why;
	const char	*last_error;
	const char	*list;		/* List-Id of the bounce, or NULL */
};
typedef int	 store_probe_fn(const struct store_probe *, void *);

/* The probes' figures, from the database, for /metrics. */
struct store_probe_counts {
	gint64		 waiting, sent, bounced, expired, forged;
};

void	 store_set_probe(struct store *, const struct probe_conf *);
int	 store_probe_make(struct store *, gint64 now, int wait,
	    gint64 delay, guint *made_r, GError **);
int	 store_probe_due(struct store *, gint64 now, int limit,
	    store_probe_fn *, void *, GError **);
int	 store_probe_sent(struct store *, gint64 id, gint64 now, GError **);
int	 store_probe_retry(struct store *, gint64 id, gint64 next_try,
	    const char *why, GError **);
int	 store_probe_sent_since(struct store *, gint64 since, gint64 *n_r,
	    GError **);
int	 store_probe_expire(struct store *, gint64 now, int wait,
	    store_probe_fn *, void *, GError **);
int	 store_probe_last(struct store *, const char *address,
	    store_probe_fn *, void *, GError **);
int	 store_probe_counts(struct store *, struct store_probe_counts *,
	    GError **);
int	 store_probe_forged_of(struct store *, const char *address,
	    gint64 *n_r, GError **);
int	 store_probing(struct store *, store_removed_fn *, void *,
	    GError **);
guint64	 store_probe_forged_count(struct store *);

#endif

/*
 * guard.h: the incident guard.  A provider's bad hour (its directory
 * answering "5.1.1 user unknown" for live mailboxes) looks like many dead
 * addresses at once; the guard tells it from real deaths by the rate of
 * hard outcomes per group of recipients, and holds such a burst: its
 * outcomes count as soft.
 *
 * Pure: it sees hard outcomes one at a time, in the order they were
 * recorded, and counts each by its own time: one that comes late (an
 * MTA's retry) counts in the windows and the incident it falls in, as
 * long as it is within [guard] late of the newest.  The store feeds it
 * as outcomes are recorded and persists what it decides; "rebound prune
 * --dry-run" feeds a fresh one the whole history in the same order, so
 * both decide alike.
 */
#ifndef REBOUND_GUARD_H
#define REBOUND_GUARD_H

#include <glib.h>

#include "report.h"

/* What a group of recipients shares. */
enum guard_kind {
	GUARD_DOMAIN,		/* the recipient's domain */
	GUARD_PROVIDER,		/* the receiving provider's registered domain */
	GUARD_KIND_COUNT
};

/*
 * Where an incident is: open, closed by itself (quiet), or closed by an
 * operator who confirmed or discarded its held bounces.
 */
enum guard_state {
	GUARD_OPEN,
	GUARD_CLOSED,
	GUARD_CONFIRMED,
	GUARD_DISCARDED,
	GUARD_STATE_COUNT
};

struct guard_conf {
	int	 enabled;	/* [guard] enabled */
	gint64	 window;	/* seconds in which a burst is counted */
	int	 min_addresses;	/* a burst has more distinct addresses ... */
	int	 factor;	/* ... and more than factor x the baseline */
	gint64	 baseline;	/* seconds of history the baseline rate is of */
	gint64	 quiet;		/* an incident closes after so long without */
	gint64	 late;		/* how far behind the newest one a hard
				   outcome still counts by its own time */
};

/* An incident while it is open, or closed lately (within late). */
struct guard_incident {
	gint64		 id;		/* the caller's (opened() sets it) */
	gint64		 key;		/* the guard's own */
	enum guard_kind	 kind;
	char		*group;
	gint64		 opened;	/* time of the outcome that crossed */
	gint64		 first, last;	/* of the outcomes it holds */
	gint64		 closed;	/* when it closed, or 0 */
	guint		 outcomes;	/* outcomes held */
	GHashTable	*addresses;	/* the distinct addresses held */
	char		*sample;	/* a diagnostic of the burst */
};

/*
 * What the guard tells its caller.  opened: an incident opens; earlier
 * holds the outcome ids (gint64) of the group's hard outcomes already in
 * the window, now held too.  closed: quiet for long enough.  grown: an
 * outcome that came late moved an incident's opening earlier or made
 * it reach further; added holds the outcomes it holds anew.  An outcome
 * that joins an incident is guard_hard()'s answer.
 */
struct guard_calls {
	void	(*opened)(struct guard_incident *, const GArray *earlier,
		    void *);
	void	(*closed)(const struct guard_incident *, void *);
	void	(*grown)(const struct guard_incident *, const GArray *added,
		    void *);
};

/* A hard outcome as the guard sees it. */
struct guard_hit {
	gint64		 outcome;	/* the caller's id */
	const char	*address;
	const char	*provider;	/* registered domain, or NULL */
	gint64		 at;
	const char	*diagnostic;	/* for an incident's sample */
	gint64		 incident;	/* guard_restore(): held by, or 0 */
};

struct guard;

void		 guard_defaults(struct guard_conf *);
int		 guard_set(struct guard_conf *, const char *key,
		    const char *value, GError **);
int		 guard_key_bool(const char *key, size_t *offset_r);
/* The names of the kinds and states (guard_keys.c), as stored. */
extern const char *const guard_kind_names[GUARD_KIND_COUNT];
extern const char *const guard_state_names[GUARD_STATE_COUNT];
const char	*guard_kind_name(enum guard_kind);
int		 guard_counts_as(enum report_class, enum guard_state,
		    enum report_class *as_r);

struct guard	*guard_new(const struct guard_conf *,
		    const struct guard_calls *, void *);
void		 guard_free(struct guard **);
struct guard_incident *guard_hard(struct guard *, const struct guard_hit *);
void		 guard_restore(struct guard *, const struct guard_hit *);
void		 guard_adopt(struct guard *, gint64 id, enum guard_kind,
		    const char *group, gint64 opened, gint64 first,
		    gint64 last, gint64 closed);
void		 guard_drop(struct guard *, struct guard_incident *);
void		 guard_tick(struct guard *, gint64 now);
guint		 guard_open_count(const struct guard *);
gint64		 guard_holder(const struct guard *, gint64 outcome);

#endif

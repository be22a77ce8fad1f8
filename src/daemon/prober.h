/*
 * prober.h: reboundd sends the probes of [probe] (probe.h) through an
 * SMTP relay, on the event loop (http.c's libcurl driver), with its own
 * connection to the database (store_probes.c).
 */
#ifndef REBOUND_PROBER_H
#define REBOUND_PROBER_H

#include <event2/event.h>

#include <glib.h>

#include "conf.h"
#include "store.h"

/* The probes' figures for /metrics. */
struct prober_stats {
	struct store_probe_counts db;	/* from the database */
	guint64		 deferred;	/* held back by max_per_hour */
	guint64		 failed;	/* attempts the relay refused */
};

struct prober;

struct prober	*prober_new(struct event_base *, const struct probe_conf *,
		    const struct policy *, const struct conf_store *,
		    gint64 delay, GError **);
int		 prober_stats(struct prober *, struct prober_stats *);
void		 prober_free(struct prober **);

#endif

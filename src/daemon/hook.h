/*
 * hook.h: reboundd delivers events to the [hook NAME]s of rebound.conf
 * (a signed webhook, Mailman 3's REST API, listmonk's bounce webhook).
 *
 * Delivery is at least once and in order per address, from the
 * database (store_hooks.c): a restart, or a SIGKILL, sends again what
 * was not known to be delivered.  Requests run on the event loop
 * (http.c) and never slow intake: the hooks have their own connection
 * to the database and only read it when there is nothing new.
 */
#ifndef REBOUND_HOOK_H
#define REBOUND_HOOK_H

#include <event2/event.h>

#include <glib.h>

#include "conf.h"

/* One hook's figures for /metrics. */
struct hook_stats {
	const char	*name;
	gint64		 pending;	/* deliveries waiting or in flight */
	gint64		 oldest;	/* seconds the oldest has waited */
	guint64		 delivered, retried, failed;	/* since start */
	int		 paused;	/* by max_actions_per_hour */
};
typedef void	 hook_stats_fn(const struct hook_stats *, void *);

struct hooks;

struct hooks	*hooks_new(struct event_base *, struct conf_hooks *,
		    const struct conf_store *, GError **);
void		 hooks_reload(struct hooks *, struct conf_hooks *);
void		 hooks_kick(struct hooks *);
void		 hooks_stats(struct hooks *, hook_stats_fn *, void *);
void		 hooks_free(struct hooks **);

#endif

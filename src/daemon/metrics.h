/*
 * metrics.h: /metrics and /healthz over HTTP.
 */
#ifndef REBOUND_METRICS_H
#define REBOUND_METRICS_H

#include <event2/event.h>

#include <glib.h>

#include "hook.h"
#include "intake.h"
#include "lmtp.h"
#include "maildir.h"
#include "prober.h"
#include "webhook.h"

struct metrics;

struct metrics	*metrics_new(struct event_base *, const char *listen,
		    struct intake *, struct lmtp *, struct maildir *, GError **);
void		 metrics_set_hooks(struct metrics *, struct hooks *);
void		 metrics_set_prober(struct metrics *, struct prober *);
void		 metrics_set_webhooks(struct metrics *, struct webhooks *);
void		 metrics_free(struct metrics **);

#endif

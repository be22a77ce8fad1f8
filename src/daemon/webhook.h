/*
 * webhook.h: reboundd's HTTP intake for the sending services' webhooks
 * ([http] listen, one [webhook NAME] endpoint each).
 *
 * A post is authenticated as its service documents it (webhook_auth.c),
 * checked (webhook_parse.h), and handed to intake like an LMTP message;
 * 200 is answered only once its outcomes are committed, 503 when they
 * could not be (the service retries; its event id makes the retry count
 * once).
 */
#ifndef REBOUND_WEBHOOK_H
#define REBOUND_WEBHOOK_H

#include <event2/buffer.h>
#include <event2/event.h>

#include <glib.h>

#include "conf.h"
#include "intake.h"

struct webhooks;

/* The sections must outlive the struct webhooks. */
struct webhooks	*webhooks_new(struct event_base *, const struct conf_http *,
		    const struct conf_lmtp *, struct intake *, GError **);
/* The /metrics families (metrics.c). */
void		 webhooks_metrics(struct webhooks *, struct evbuffer *);
guint		 webhooks_pending(struct webhooks *);
void		 webhooks_free(struct webhooks **);

#endif

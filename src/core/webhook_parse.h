/*
 * webhook_parse.h: what a sending service posts to a webhook, as the
 * same struct report a returned message becomes.
 *
 * Pure, like the rest of libcore: JSON text in (json-glib), a report
 * out; no I/O, no clock, no libevent, so that "rebound parse" and a
 * fuzz target can call it as reboundd does.  Authenticating the post is
 * the daemon's (webhook_auth.c); this only reads what the service says
 * its signature covers, so that the daemon can check it first.
 *
 * Only the kinds in the table are read; a kind is added here, in
 * webhook_kind.h, in rebound.conf(5) and in tests/webhooks.sh together,
 * or not at all.
 */
#ifndef REBOUND_WEBHOOK_PARSE_H
#define REBOUND_WEBHOOK_PARSE_H

#include <stddef.h>

#include <glib.h>

#include "report.h"
#include "webhook_kind.h"
#include "webhook_ses.h"

/* Mailgun's "signature" object: its three strings, owned. */
struct webhook_mailgun_sig {
	char	*timestamp;
	char	*token;
	char	*signature;
};

int		 webhook_mailgun_signature(const char *body, size_t len,
		    struct webhook_mailgun_sig *, GError **);
void		 webhook_mailgun_sig_clear(struct webhook_mailgun_sig *);

/*
 * The report of one post, unclassified; *event_id_r (owned) the
 * service's id of the event, which makes a retried post count once.
 * NULL and an error for a body that is not the kind's JSON.  A report of
 * kind REPORT_NONE: an event rebound does not record (an open, a click).
 */
struct report	*webhook_parse(enum webhook_kind, const char *body, size_t len,
		    char **event_id_r, GError **);
/*
 * A post's events, each a body webhook_parse() reads (of char *): the
 * elements of a batch (SparkPost and SendGrid post an array), else the
 * body itself.
 * NULL and an error if the body is not JSON of the kind's shape.
 */
GPtrArray	*webhook_split(enum webhook_kind, const char *body, size_t len,
		    GError **);

#endif

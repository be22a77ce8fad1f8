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
 * rebound.conf(5) and in tests/webhooks.sh together, or not at all.
 */
#ifndef REBOUND_WEBHOOK_PARSE_H
#define REBOUND_WEBHOOK_PARSE_H

#include <stddef.h>

#include <glib.h>

#include "report.h"

enum webhook_kind {
	WEBHOOK_MAILGUN,
	WEBHOOK_POSTMARK,
	WEBHOOK_SPARKPOST,
	WEBHOOK_SENDGRID,
	WEBHOOK_SES
};
#define WEBHOOK_KIND_COUNT	(WEBHOOK_SES + 1)

#define WEBHOOK_PARSE_ERROR	(webhook_parse_error_quark())
GQuark		 webhook_parse_error_quark(void);
enum webhook_parse_error {
	WEBHOOK_PARSE_INVALID,	/* not the kind's JSON */
	WEBHOOK_PARSE_RAW	/* SES's JSON without SNS's envelope */
};

/* Mailgun's "signature" object: its three strings, owned. */
struct webhook_mailgun_sig {
	char	*timestamp;
	char	*token;
	char	*signature;
};

const char	*webhook_kind_name(enum webhook_kind);
int		 webhook_kind_parse(const char *, enum webhook_kind *);
/* "mailgun" (or a longer list as kinds come): for messages. */
char		*webhook_kind_list(void);

int		 webhook_mailgun_signature(const char *body, size_t len,
		    struct webhook_mailgun_sig *, GError **);
void		 webhook_mailgun_sig_clear(struct webhook_mailgun_sig *);

/*
 * An SNS message as posted to an HTTPS subscription ("HTTP/HTTPS
 * notification JSON format" and "... subscription confirmation JSON
 * format" in the SNS developer guide): its strings, owned; NULL when
 * absent.
 */
struct webhook_sns {
	char	*type;		/* Notification, SubscriptionConfirmation,
				   UnsubscribeConfirmation */
	char	*message_id;
	char	*topic_arn;
	char	*subject;	/* Notification, optional */
	char	*message;
	char	*timestamp;
	char	*token;		/* the confirmations' */
	char	*subscribe_url;	/* the confirmations' */
	char	*signature_version;
	char	*signature;	/* base64 */
	char	*signing_cert_url;
};

/*
 * Read body as an SNS message; NULL and an error if it is none
 * (WEBHOOK_PARSE_RAW: SES's notification alone, as raw message delivery
 * posts it, which no signature covers).
 */
int		 webhook_sns_read(const char *body, size_t len,
		    struct webhook_sns *, GError **);
void		 webhook_sns_clear(struct webhook_sns *);
/*
 * What the message's signature covers ("Verifying the signatures of
 * Amazon SNS messages"): for a Notification the name and value of
 * Message, MessageId, Subject (when present), Timestamp, TopicArn and
 * Type; for the confirmations Message, MessageId, SubscribeURL,
 * Timestamp, Token, TopicArn and Type; each on a line of its own, in
 * that order.  NULL for another Type.
 */
char		*webhook_sns_string_to_sign(const struct webhook_sns *);

/* webhook_ses.c, for webhook_parse.c: the ses kind. */
GPtrArray	*webhook_ses_split(const char *body, size_t len, GError **);
struct report	*webhook_ses_parse(const char *body, size_t len,
		    char **event_id_r, GError **);

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

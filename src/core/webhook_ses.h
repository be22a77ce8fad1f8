/*
 * webhook_ses.h: Amazon SES's posts, in SNS's envelope (webhook_ses.c),
 * for webhook_parse.c, which dispatches the ses kind here, and for the
 * daemon, which checks SNS's signature before anything else is read.
 */
#ifndef REBOUND_WEBHOOK_SES_H
#define REBOUND_WEBHOOK_SES_H

#include <stddef.h>

#include <glib.h>

#include "report.h"

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

/* For webhook_parse.c: the ses kind. */
GPtrArray	*webhook_ses_split(const char *body, size_t len, GError **);
struct report	*webhook_ses_parse(const char *body, size_t len,
		    char **event_id_r, GError **);

#endif

/*
 * parse_ses.h: the one reader of Amazon SES notifications (parse_ses.c),
 * for those that come as mail (parse.c) and those posted through SNS to
 * a webhook of kind ses (webhook_ses.c).
 */
#ifndef REBOUND_PARSE_SES_H
#define REBOUND_PARSE_SES_H

#include <json-glib/json-glib.h>

#include "report.h"

/*
 * Whether n is an SES notification (notificationType or eventType);
 * then its recipients are added to rp.  A type rebound does not record
 * (Send, Open, Click, ...) adds none.
 */
int		 parse_ses_notification(struct report *, JsonObject *n);
/*
 * The notification node once per recipient, each with that recipient
 * alone (JSON text, of char *); the node itself when it has none.  It
 * changes the node: call it last.
 */
GPtrArray	*parse_ses_each(JsonNode *);
/*
 * The id of the event n is ("Bounce <feedbackId> <recipients>"), the same
 * whenever SES or SNS sends it again; NULL if n carries none.
 */
char		*parse_ses_event_id(JsonObject *n);

#endif

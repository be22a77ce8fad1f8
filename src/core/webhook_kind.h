/*
 * webhook_kind.h: the kinds of webhook a sending service posts, their
 * names, and the error domain of their readers (webhook_parse.h,
 * webhook_ses.h), at the foot of them both.
 */
#ifndef REBOUND_WEBHOOK_KIND_H
#define REBOUND_WEBHOOK_KIND_H

#include <glib.h>

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

/* Sets error (code, what) and returns 0. */
int		 webhook_parse_fail(GError **, enum webhook_parse_error,
		    const char *what);
const char	*webhook_kind_name(enum webhook_kind);
int		 webhook_kind_parse(const char *, enum webhook_kind *);
/* "mailgun" (or a longer list as kinds come): for messages. */
char		*webhook_kind_list(void);

#endif

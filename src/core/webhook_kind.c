/*
 * webhook_kind.c: the names of the webhook kinds, apart from their
 * parsers, so that reading rebound.conf pulls in no parser (and, for
 * the "rebound" program, no GMime: tests/layers.sh).  The readers'
 * error domain is here too, below them both (webhook_parse.c and
 * webhook_ses.c).
 */
#include "config.h"

#include "vocab.h"
#include "webhook_kind.h"

G_DEFINE_QUARK(rebound-webhook-parse-error-quark, webhook_parse_error)

int
webhook_parse_fail(GError **error, enum webhook_parse_error code,
    const char *what)
{
	g_set_error_literal(error, WEBHOOK_PARSE_ERROR, code, what);
	return 0;
}

static const char *const webhook_kind_names[] = {
	[WEBHOOK_MAILGUN] = "mailgun",
	[WEBHOOK_POSTMARK] = "postmark",
	[WEBHOOK_SPARKPOST] = "sparkpost",
	[WEBHOOK_SENDGRID] = "sendgrid",
	[WEBHOOK_SES] = "ses",
};
G_STATIC_ASSERT(G_N_ELEMENTS(webhook_kind_names) == WEBHOOK_KIND_COUNT);

const char *
webhook_kind_name(enum webhook_kind kind)
{
	return webhook_kind_names[kind];
}

int
webhook_kind_parse(const char *name, enum webhook_kind *kind)
{
	int i = vocab_find(webhook_kind_names,
	    G_N_ELEMENTS(webhook_kind_names), name);

	if (i < 0)
		return 0;
	*kind = (enum webhook_kind)i;
	return 1;
}

char *
webhook_kind_list(void)
{
	return vocab_join(webhook_kind_names, G_N_ELEMENTS(webhook_kind_names),
	    "or");
}

/*
 * fuzz_webhook.c: a webhook body -> webhook_split() -> webhook_parse()
 * -> classify_report() for every kind (SES: SNS's envelope, then one
 * event a recipient, parse_ses.c), Mailgun's signature object, and
 * SNS's envelope with the string its signature covers: the pure half of
 * reboundd's HTTP intake (webhook_parse.c, webhook_ses.c, json-glib),
 * what "rebound parse --format-in" runs too.  The bytes are not NUL-terminated, as the
 * evhttp body is not before webhook.c copies it.
 */
#include "config.h"

#include <string.h>

#include "classify.h"
#include "fuzz.h"
#include "parse.h"
#include "webhook_parse.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	parse_init();
	return 0;
}

static void
fuzz_parse(enum webhook_kind kind, const char *body, size_t size)
{
	struct report *rp;
	char *id;

	rp = webhook_parse(kind, body, size, &id, NULL);
	if (rp != NULL)
		classify_report(rp);
	report_free(&rp);
	g_free(id);
}

/* Each event of the post, as reboundd reads them. */
static void
fuzz_split(enum webhook_kind kind, const char *body, size_t size)
{
	GPtrArray *parts = webhook_split(kind, body, size, NULL);
	guint i;

	for (i = 0; parts != NULL && i < parts->len; i++)
		fuzz_parse(kind, parts->pdata[i], strlen(parts->pdata[i]));
	if (parts != NULL)
		g_ptr_array_unref(parts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct webhook_mailgun_sig sig;
	struct webhook_sns sns;
	int k;

	for (k = 0; k < WEBHOOK_KIND_COUNT; k++) {
		fuzz_parse((enum webhook_kind)k, body, size);
		fuzz_split((enum webhook_kind)k, body, size);
	}
	if (webhook_mailgun_signature(body, size, &sig, NULL))
		webhook_mailgun_sig_clear(&sig);
	if (webhook_sns_read(body, size, &sns, NULL)) {
		g_free(webhook_sns_string_to_sign(&sns));
		webhook_sns_clear(&sns);
	}
	return 0;
}

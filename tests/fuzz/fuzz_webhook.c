/*
 * fuzz_webhook.c: a webhook body -> webhook_parse() -> classify_report()
 * for every kind, and Mailgun's signature object: the pure half of
 * reboundd's HTTP intake (webhook_parse.c, json-glib), what "rebound
 * parse --format-in" runs too.  The bytes are not NUL-terminated, as the
 * evhttp body is not before webhook.c copies it.
 */
#include "config.h"

#include "classify.h"
#include "fuzz.h"
#include "parse.h"
#include "webhook_parse.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	parse_init();
	classify_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct webhook_mailgun_sig sig;
	struct report *rp;
	char *id;
	int k;

	for (k = 0; k < WEBHOOK_KIND_COUNT; k++) {
		rp = webhook_parse((enum webhook_kind)k, body, size, &id, NULL);
		if (rp != NULL)
			classify_report(rp);
		report_free(&rp);
		g_free(id);
	}
	if (webhook_mailgun_signature(body, size, &sig, NULL))
		webhook_mailgun_sig_clear(&sig);
	return 0;
}

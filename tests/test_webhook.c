/*
 * test_webhook.c: the webhook bodies as JSON, not as text
 * (webhook_parse.c): a key inside a string value, an escaped quote, an
 * object of the same name nested elsewhere, a number where a string
 * belongs, and what is not an event at all.  A scan for "key": would
 * get each of these wrong.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "webhook_parse.h"

static struct report *
parse(enum webhook_kind kind, const char *body, char **id)
{
	g_autoptr(GError) error = NULL;
	struct report *rp = webhook_parse(kind, body, strlen(body), id, &error);

	g_assert_no_error(error);
	g_assert_nonnull(rp);
	return rp;
}

static const struct recipient *
first(const struct report *rp)
{
	g_assert_cmpuint(rp->recipients->len, ==, 1);
	return g_ptr_array_index(rp->recipients, 0);
}

/* "recipient" inside a string, and in a nested object: not the one. */
static void
test_mailgun_nested(void)
{
	g_autofree char *id = NULL;
	struct report *rp = parse(WEBHOOK_MAILGUN,
	    "{\"event-data\": {\"message\": {\"headers\": {\"subject\": "
	    "\"\\\"recipient\\\": \\\"eve@evil.example\\\"\", "
	    "\"recipient\": \"mallory@evil.example\"}}, "
	    "\"event\": \"failed\", \"id\": \"abc\", \"severity\": \"permanent\", "
	    "\"recipient\": \"alice@example.org\", \"delivery-status\": "
	    "{\"code\": 550, \"message\": \"5.1.1 \\\"no\\\" such user\"}}}", &id);

	g_assert_cmpstr(id, ==, "abc");
	g_assert_cmpint(rp->kind, ==, REPORT_DSN);
	g_assert_cmpstr(first(rp)->address, ==, "alice@example.org");
	g_assert_cmpstr(first(rp)->action, ==, "failed");
	g_assert_cmpstr(first(rp)->diagnostic, ==,
	    "smtp; 550 5.1.1 \"no\" such user");
	g_assert_cmpstr(first(rp)->category, ==, "permanent");
	g_assert_cmpstr(rp->orig_subject, ==,
	    "\"recipient\": \"eve@evil.example\"");
	report_free(&rp);
}

/* An event rebound does not record, and a number where a string goes. */
static void
test_mailgun_other(void)
{
	g_autofree char *id = NULL, *id2 = NULL;
	struct report *rp = parse(WEBHOOK_MAILGUN, "{\"event-data\": "
	    "{\"event\": \"opened\", \"id\": \"x1\", \"recipient\": \"a@b.example\"}}",
	    &id);

	g_assert_cmpint(rp->kind, ==, REPORT_NONE);
	g_assert_cmpuint(rp->recipients->len, ==, 0);
	report_free(&rp);
	rp = parse(WEBHOOK_MAILGUN, "{\"event-data\": {\"event\": \"failed\", "
	    "\"id\": \"x2\", \"recipient\": 42}}", &id2);
	g_assert_cmpint(rp->kind, ==, REPORT_NONE);
	report_free(&rp);
}

/* Not the kind's JSON: an error, never a report. */
static void
test_malformed(void)
{
	static const char *const bodies[] = {
		"", "{", "[]", "\"event-data\"", "{\"event-data\": []}",
		"{\"event-data\": {\"event\": \"failed\"}}",
		"{\"event-data\": {\"id\": \"a\"}}",
		"{\"RecordType\": \"Bounce\"}",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(bodies); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *id = NULL;
		enum webhook_kind kind = g_str_has_prefix(bodies[i],
		    "{\"RecordType") ? WEBHOOK_POSTMARK : WEBHOOK_MAILGUN;
		struct report *rp = webhook_parse(kind, bodies[i],
		    strlen(bodies[i]), &id, &error);

		g_assert_null(rp);
		g_assert_nonnull(error);
		g_assert_null(id);
	}
}

/* Postmark's ID is a number; a Transient bounce is a delay. */
static void
test_postmark(void)
{
	g_autofree char *id = NULL;
	struct report *rp = parse(WEBHOOK_POSTMARK, "{\"RecordType\": "
	    "\"Bounce\", \"ID\": 4323372036854775807, \"Type\": \"Transient\", "
	    "\"Email\": \"Bob@Example.ORG\", \"Details\": \"smtp;421 4.4.2 "
	    "timed out\", \"Metadata\": {\"Email\": \"x@y.example\"}}", &id);

	g_assert_cmpstr(id, ==, "Bounce 4323372036854775807");
	/* The domain in lower case, the local part as given (addr.c). */
	g_assert_cmpstr(first(rp)->address, ==, "Bob@example.org");
	g_assert_cmpstr(first(rp)->action, ==, "delayed");
	g_assert_cmpstr(first(rp)->category, ==, "transient");
	report_free(&rp);
}

/* The signature object, read as JSON. */
static void
test_mailgun_signature(void)
{
	const char *body = "{\"event-data\": {\"signature\": {\"token\": \"no\"}},"
	    " \"signature\": {\"timestamp\": \"1700000000\", \"token\": \"t\\\"k\","
	    " \"signature\": \"ab12\"}}";
	struct webhook_mailgun_sig sig;
	g_autoptr(GError) error = NULL;

	g_assert_true(webhook_mailgun_signature(body, strlen(body), &sig,
	    &error));
	g_assert_cmpstr(sig.timestamp, ==, "1700000000");
	g_assert_cmpstr(sig.token, ==, "t\"k");
	g_assert_cmpstr(sig.signature, ==, "ab12");
	webhook_mailgun_sig_clear(&sig);
	/* A number for the timestamp: Mailgun sends a string. */
	body = "{\"signature\": {\"timestamp\": 1, \"token\": \"a\", "
	    "\"signature\": \"b\"}}";
	g_assert_false(webhook_mailgun_signature(body, strlen(body), &sig,
	    NULL));
}

/* A SparkPost batch: one body per element; the event under any class. */
static void
test_sparkpost(void)
{
	const char *batch = "[{\"msys\": {\"message_event\": {\"type\": "
	    "\"bounce\", \"event_id\": \"1\", \"rcpt_to\": \"a@b.example\", "
	    "\"bounce_class\": \"10\", \"raw_reason\": \"550 5.1.1 unknown\"}}},"
	    " {\"msys\": {\"track_event\": {\"type\": \"click\", "
	    "\"event_id\": \"2\"}}}]";
	g_autoptr(GPtrArray) parts = webhook_split(WEBHOOK_SPARKPOST, batch,
	    strlen(batch), NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL, *id2 = NULL;
	struct report *rp;

	g_assert_nonnull(parts);
	g_assert_cmpuint(parts->len, ==, 2);
	rp = parse(WEBHOOK_SPARKPOST, parts->pdata[0], &id);
	g_assert_cmpstr(id, ==, "1");
	g_assert_cmpstr(first(rp)->diagnostic, ==, "smtp; 550 5.1.1 unknown");
	g_assert_cmpstr(first(rp)->category, ==, "bounce_class 10");
	report_free(&rp);
	rp = parse(WEBHOOK_SPARKPOST, parts->pdata[1], &id2);
	g_assert_cmpint(rp->kind, ==, REPORT_NONE);
	report_free(&rp);
	g_assert_null(webhook_split(WEBHOOK_SPARKPOST, "{}", 2, &error));
	g_assert_nonnull(error);
}

/* SendGrid: a deferral is a delay; its category is SendGrid's own class. */
static void
test_sendgrid(void)
{
	const char *batch = "[{\"email\": \"a@b.example\", \"event\": "
	    "\"deferred\", \"sg_event_id\": \"e1\", \"response\": "
	    "\"451 4.7.1 try again later\", \"bounce_classification\": "
	    "\"Reputation\"}, {\"email\": \"c@d.example\", \"event\": "
	    "\"processed\", \"sg_event_id\": \"e2\"}]";
	g_autoptr(GPtrArray) parts = webhook_split(WEBHOOK_SENDGRID, batch,
	    strlen(batch), NULL);
	g_autofree char *id = NULL, *id2 = NULL;
	struct report *rp;

	g_assert_cmpuint(parts->len, ==, 2);
	rp = parse(WEBHOOK_SENDGRID, parts->pdata[0], &id);
	g_assert_cmpstr(id, ==, "e1");
	g_assert_cmpstr(first(rp)->action, ==, "delayed");
	g_assert_cmpstr(first(rp)->diagnostic, ==,
	    "smtp; 451 4.7.1 try again later");
	g_assert_cmpstr(first(rp)->category, ==, "reputation");
	report_free(&rp);
	rp = parse(WEBHOOK_SENDGRID, parts->pdata[1], &id2);
	g_assert_cmpint(rp->kind, ==, REPORT_NONE);
	report_free(&rp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/webhook/mailgun/nested", test_mailgun_nested);
	g_test_add_func("/webhook/mailgun/other", test_mailgun_other);
	g_test_add_func("/webhook/mailgun/signature", test_mailgun_signature);
	g_test_add_func("/webhook/malformed", test_malformed);
	g_test_add_func("/webhook/postmark", test_postmark);
	g_test_add_func("/webhook/sparkpost", test_sparkpost);
	g_test_add_func("/webhook/sendgrid", test_sendgrid);
	return g_test_run();
}

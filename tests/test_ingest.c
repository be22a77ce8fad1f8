/*
 * test_ingest.c: the per-message step reboundd and "rebound import"
 * share: which envelope recipient, and so which VERP subscriber, a
 * message is recorded under, whatever the source knows.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "ingest.h"

/* The name of a recipient's reason, as the cases write it. */
#define reason_of(r)	report_reason_name((r)->reason)

#define BOUNCE_HEAD \
	"From: MAILER-DAEMON@mx.example.net\r\n" \
	"To: news-bounces@lists.example.net\r\n" \
	"Subject: Undelivered Mail Returned to Sender\r\n" \
	"Date: Tue, 03 Nov 2026 10:00:00 +0000\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\r\n" \
	" boundary=\"b\"\r\n\r\n"
#define BOUNCE_BODY \
	"--b\r\nContent-Type: text/plain\r\n\r\nIt could not be delivered.\r\n" \
	"--b\r\nContent-Type: message/delivery-status\r\n\r\n" \
	"Reporting-MTA: dns; mx.example.net\r\n\r\n" \
	"Final-Recipient: rfc822; alice@example.org\r\n" \
	"Action: failed\r\nStatus: 5.1.1\r\n" \
	"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--b--\r\n"

#define VERP_A	"news-bounces+alice=example.org@lists.example.net"
#define VERP_B	"news-bounces+bob=example.org@lists.example.net"
#define PLAIN	"bounces@lists.example.net"

static const struct {
	const char	*rcpts;		/* RCPT TO, comma-separated, or NULL */
	const char	*header;	/* Delivered-To, or NULL */
	const char	*envelope_to, *subscriber, *list;
} cases[] = {
	/* A maildir or an archive: the headers are all there is. */
	{ NULL, VERP_A, VERP_A, "alice@example.org", "news.lists.example.net" },
	{ NULL, PLAIN, PLAIN, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL },
	/* LMTP: the first RCPT TO that decodes, before the headers. */
	{ PLAIN "," VERP_B, NULL, VERP_B, "bob@example.org",
	  "news.lists.example.net" },
	{ VERP_B, VERP_A, VERP_B, "bob@example.org",
	  "news.lists.example.net" },
	{ PLAIN "," VERP_B, VERP_A, VERP_B, "bob@example.org",
	  "news.lists.example.net" },
	/* No RCPT TO decodes: the headers' VERP address, else the first. */
	{ PLAIN, VERP_A, VERP_A, "alice@example.org", "news.lists.example.net" },
	{ PLAIN ",other@example.net", NULL, PLAIN, NULL, NULL },
	{ PLAIN, "other@example.net", PLAIN, NULL, NULL },
};

static void
test_envelope(void)
{
	struct parse_limits limits;
	struct verp verp;
	size_t i;

	parse_limits_defaults(&limits);
	verp_defaults(&verp);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *bytes = g_strconcat(cases[i].header ?
		    "Delivered-To: " : "", cases[i].header ? cases[i].header : "",
		    cases[i].header ? "\r\n" : "", BOUNCE_HEAD BOUNCE_BODY, NULL);
		g_auto(GStrv) rcpts = cases[i].rcpts ?
		    g_strsplit(cases[i].rcpts, ",", -1) : NULL;
		g_autoptr(GPtrArray) env = NULL;
		struct ingest *m;

		if (rcpts != NULL) {
			env = g_ptr_array_new();
			for (char **r = rcpts; *r != NULL; r++)
				g_ptr_array_add(env, *r);
		}
		m = ingest_parse(bytes, strlen(bytes), &limits, &verp, NULL, env);
		g_test_message("case %zu: got %s %s %s", i, m->envelope_to,
		    m->subscriber, m->list.id);
		g_assert_cmpstr(m->envelope_to, ==, cases[i].envelope_to);
		g_assert_cmpstr(m->subscriber, ==, cases[i].subscriber);
		g_assert_cmpstr(m->list.id, ==, cases[i].list);
		ingest_free(&m);
		g_assert_null(m);
	}
}

/* Parsed, classified (class included) and digested in one call. */
static void
test_parse(void)
{
	const char *bytes = BOUNCE_HEAD BOUNCE_BODY;
	struct parse_limits limits;
	struct verp verp;
	const struct recipient *r;
	char digest[65];
	struct ingest *m;

	parse_limits_defaults(&limits);
	verp_defaults(&verp);
	m = ingest_parse(bytes, strlen(bytes), &limits, &verp, NULL, NULL);
	g_assert_cmpint(m->report->kind, ==, REPORT_DSN);
	g_assert_cmpint(m->report->date, ==, 1793700000);
	g_assert_cmpuint(m->report->recipients->len, ==, 1);
	r = g_ptr_array_index(m->report->recipients, 0);
	g_assert_cmpstr(reason_of(r), ==, "userunknown");
	g_assert_cmpint(r->class, ==, CLASS_HARD);
	digest_message(bytes, strlen(bytes), digest);
	g_assert_cmpstr(m->digest, ==, digest);
	ingest_free(&m);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	parse_init();
	g_test_add_func("/ingest/envelope", test_envelope);
	g_test_add_func("/ingest/parse", test_parse);
	rc = g_test_run();
	parse_shutdown();
	return rc;
}

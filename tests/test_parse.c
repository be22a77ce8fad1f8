/*
 * test_parse.c: whole messages through parse_message(): DSN groups,
 * line-ending independence, RFC 6533, ARF, auto-replies, garbage, and
 * what parse_message_limited() keeps of a message over each limit.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "classify.h"
#include "parse_int.h"	/* parse_dsn(), parse_shallow(), parse_text_*() */

/* The name of a recipient's reason, as the cases write it. */
#define reason_of(r)	report_reason_name((r)->reason)

static const char dsn_two[] =
    "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n"
    "To: list-bounces@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain\n"
    "\n"
    "Your message could not be delivered.\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "Original-Envelope-Id: env-1\n"
    "\n"
    "Final-Recipient: rfc822; <Alice@Example.ORG>\n"
    "Original-Recipient: rfc822;alice+2Bx@example.org\n"
    "Action: failed\n"
    "Status: 5.0.0\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <alice@example.org>: Recipient\n"
    "    address rejected: User unknown\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.net\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "--B\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: List <list@example.org>\n"
    "To: alice@example.org\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9?= news\n"
    "Message-ID: <m1@example.org>\n"
    "List-Id: News <news.example.org>\n"
    "\n"
    "Body is never decoded.\n"
    "--B--\n";

static struct recipient *
rcpt(struct report *rp, guint i)
{
	g_assert_cmpuint(i, <, rp->recipients->len);
	return g_ptr_array_index(rp->recipients, i);
}

static struct report *
parse_str(const char *text)
{
	struct report *rp = parse_message(text, strlen(text));

	classify_report(rp);
	return rp;
}

static void
check_dsn_two(struct report *rp)
{
	g_assert_cmpint(rp->kind, ==, REPORT_DSN);
	g_assert_cmpuint(rp->recipients->len, ==, 2);
	g_assert_cmpstr(rp->reporting_mta, ==, "mx.example.org");
	g_assert_cmpstr(rp->envelope_id, ==, "env-1");
	/* Original-Recipient is the address the list sent to; the
	   Final-Recipient, after aliasing, is kept as evidence. */
	g_assert_cmpstr(rcpt(rp, 0)->address, ==, "alice+x@example.org");
	g_assert_cmpstr(rcpt(rp, 0)->original, ==, "alice+x@example.org");
	g_assert_cmpstr(rcpt(rp, 0)->final, ==, "Alice@example.org");
	g_assert_cmpstr(rcpt(rp, 0)->status, ==, "5.1.1");
	g_assert_cmpint(rcpt(rp, 0)->replycode, ==, 550);
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "userunknown");
	g_assert_cmpint(rcpt(rp, 0)->hard, ==, 1);
	g_assert_cmpstr(rcpt(rp, 0)->diagnostic, ==, "550 5.1.1 "
	    "<alice@example.org>: Recipient address rejected: User unknown");
	g_assert_cmpstr(rcpt(rp, 1)->address, ==, "bob@example.net");
	g_assert_cmpstr(rcpt(rp, 1)->final, ==, "bob@example.net");
	g_assert_cmpstr(reason_of(rcpt(rp, 1)), ==, "mailboxfull");
	g_assert_cmpint(rcpt(rp, 1)->hard, ==, 0);
	g_assert_cmpstr(rp->orig_subject, ==, "Caf\xc3\xa9 news");
	g_assert_cmpstr(rp->orig_message_id, ==, "<m1@example.org>");
	g_assert_cmpstr(rp->orig_list_id, ==, "News <news.example.org>");
	g_assert_cmpstr(rp->from, ==, "MAILER-DAEMON@mx.example.org");
	g_assert_nonnull(strstr(rp->text, "could not be delivered"));
}

static void
test_dsn(void)
{
	struct report *rp = parse_str(dsn_two);

	check_dsn_two(rp);
	report_free(&rp);
}

static char *
with_eol(const char *in, const char *eol)
{
	g_auto(GStrv) lines = g_strsplit(in, "\n", -1);

	return g_strjoinv(eol, lines);
}

/* No bytes at all (an LMTP DATA with nothing before its dot). */
static void
test_empty(void)
{
	struct report *rp = parse_message(NULL, 0);

	g_assert_cmpint(rp->kind, ==, REPORT_NONE);
	g_assert_cmpuint(rp->recipients->len, ==, 0);
	report_free(&rp);
	rp = parse_message("", 0);
	g_assert_cmpint(rp->kind, ==, REPORT_NONE);
	report_free(&rp);
}

static void
test_line_endings(void)
{
	const char *eols[] = { "\r\n", "\r" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(eols); i++) {
		g_autofree char *text = with_eol(dsn_two, eols[i]);
		struct report *rp = parse_str(text);

		check_dsn_two(rp);
		report_free(&rp);
	}
}

static const char global_dsn[] =
    "From: postmaster@mx.example.de\n"
    "Subject: Delivery failure\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=global-delivery-status;"
    " boundary=G\n"
    "\n"
    "--G\n"
    "Content-Type: message/global-delivery-status\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Reporting-MTA: dns; mx.example.de\n"
    "\n"
    "Original-Recipient: utf-8; j\\x{00F6}rg@B\\x{00DC}CHER.example\n"
    "Final-Recipient: utf-8; j\xc3\xb6rg@b\xc3\xbc" "cher.example\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "--G\n"
    "Content-Type: message/global-headers\n"
    "\n"
    "Subject: Gr\xc3\xbc\xc3\x9f" "e\n"
    "To: j\xc3\xb6rg@b\xc3\xbc" "cher.example\n"
    "\n"
    "--G--\n";

static void
test_global(void)
{
	struct report *rp = parse_str(global_dsn);

	g_assert_cmpint(rp->kind, ==, REPORT_DSN);
	g_assert_cmpuint(rp->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(rp, 0)->address, ==,
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example");
	g_assert_cmpstr(rcpt(rp, 0)->original, ==,
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example");
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "userunknown");
	g_assert_cmpstr(rp->orig_subject, ==, "Gr\xc3\xbc\xc3\x9f" "e");
	report_free(&rp);
}

static const char arf[] =
    "From: abuse@isp.example\n"
    "Subject: FW: offer\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=A\n"
    "\n"
    "--A\n"
    "Content-Type: text/plain\n"
    "\n"
    "A complaint.\n"
    "--A\n"
    "Content-Type: message/feedback-report\n"
    "\n"
    "Feedback-Type: Abuse\n"
    "Version: 1\n"
    "--A\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "From: list@example.org\n"
    "To: <Carol@ISP.example>\n"
    "Subject: offer\n"
    "--A--\n";

static void
test_arf(void)
{
	struct report *rp = parse_str(arf);

	g_assert_cmpint(rp->kind, ==, REPORT_ARF);
	g_assert_cmpstr(rp->feedback_type, ==, "abuse");
	g_assert_cmpuint(rp->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(rp, 0)->address, ==, "Carol@isp.example");
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "feedback");
	report_free(&rp);
}

static void
test_autoreply(void)
{
	static const struct { const char *text; enum report_kind kind; } cases[] = {
		{ "From: a@example.org\nAuto-Submitted: auto-replied\n"
		  "Subject: Re: hi\n\nAway.\n", REPORT_AUTOREPLY },
		{ "From: a@example.org\nSubject: Out of Office: hi\n\nAway.\n",
		  REPORT_AUTOREPLY },
		{ "From: a@example.org\nX-Autoreply: yes\nSubject: x\n\nx\n",
		  REPORT_AUTOREPLY },
		{ "From: MAILER-DAEMON@example.org\nAuto-Submitted: auto-replied\n"
		  "Subject: hello\n\nx\n", REPORT_NONE },
		{ "From: a@example.org\nAuto-Submitted: auto-replied\n"
		  "Subject: Undeliverable: hi\n\nx\n", REPORT_NONE },
		{ "From: a@example.org\nAuto-Submitted: no\nSubject: hi\n\nx\n",
		  REPORT_NONE },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct report *rp = parse_str(cases[i].text);

		g_assert_cmpint(rp->kind, ==, cases[i].kind);
		if (rp->kind == REPORT_AUTOREPLY) {
			g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "vacation");
			g_assert_cmpstr(rcpt(rp, 0)->address, ==, "a@example.org");
		}
		report_free(&rp);
	}
}

/* A DSN marked Auto-Submitted is a bounce, not an auto-reply. */
static void
test_dsn_not_autoreply(void)
{
	struct report *rp = parse_str(dsn_two);

	g_assert_cmpint(rp->kind, ==, REPORT_DSN);
	report_free(&rp);
}

/*
 * A notice whose multipart lost its boundary (the parameter on a line
 * of its own) is still read: its text sits in the prologue.  The size
 * in its prose is no reply code.
 */
static const char lost_boundary[] =
    "From: post_master@sms.example.net\n"
    "To: list@example.org\n"
    "Subject: Re: Weekly news\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"OUT\"\n"
    "\n"
    "--OUT\n"
    "Content-Type: multipart/alternative;\n"
    "boundary=\"IN\"\n"
    "\n"
    "--IN\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Error: Invalid user address\n"
    "\n"
    "Error message below:\n"
    "550 - Requested action not taken: no such user here\n"
    "\n"
    "Message details:\n"
    "  RCPT TO: 5550100@sms.example.net\n"
    "  Size (in bytes): 250\n"
    "\n"
    "--IN--\n"
    "\n"
    "--OUT--\n";

static void
test_lost_boundary(void)
{
	struct report *rp = parse_str(lost_boundary);

	g_assert_cmpint(rp->kind, ==, REPORT_HEURISTIC);
	g_assert_cmpuint(rp->recipients->len, ==, 1);
	g_assert_cmpstr(rcpt(rp, 0)->address, ==, "5550100@sms.example.net");
	g_assert_cmpint(rcpt(rp, 0)->replycode, ==, 550);
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "userunknown");
	report_free(&rp);
}

/* DragonFly's dma quotes the reply apart from the address. */
static const char dma_notice[] =
    "From: MAILER-DAEMON <>\n"
    "To: list@example.org\n"
    "Subject: Mail delivery failed\n"
    "\n"
    "This is the DragonFly Mail Agent at mx.example.org.\n"
    "\n"
    "There was an error delivering your mail to <erin@example.net>.\n"
    "\n"
    "mx.example.net [192.0.2.8] did not like our final DATA:\n"
    "550 5.7.26 This mail is not authenticated and the domain of the\n"
    "550 5.7.26 sender asks us to refuse it.\n"
    "\n"
    "Message headers follow.\n"
    "\n"
    "To: <erin@example.net>\n"
    "Subject: hello\n";

static void
test_reply_apart(void)
{
	struct report *rp = parse_str(dma_notice);

	g_assert_cmpint(rp->kind, ==, REPORT_HEURISTIC);
	g_assert_cmpstr(rcpt(rp, 0)->address, ==, "erin@example.net");
	g_assert_cmpstr(rcpt(rp, 0)->status, ==, "5.7.26");
	g_assert_cmpint(rcpt(rp, 0)->replycode, ==, 550);
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "authfailure");
	report_free(&rp);
}

static const char dsn_fields_head[] =
    "From: MAILER-DAEMON@mx.example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=D\n"
    "\n"
    "--D\n"
    "Content-Type: text/plain\n"
    "\n"
    "%s\n"
    "--D\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; dave@example.net\n"
    "%s"
    "--D--\n";

/* One DSN with the given prose and recipient fields, parsed. */
static struct report *
parse_dsn_with(const char *prose, const char *fields)
{
	g_autofree char *text = g_strdup_printf(dsn_fields_head, prose,
	    fields);

	return parse_str(text);
}

static void
test_dsn_variants(void)
{
	struct report *rp;

	/* SendGrid writes "Action: expired" for a message it gave up on. */
	rp = parse_dsn_with("Gave up.", "Action: expired\nStatus:\n"
	    "Diagnostic-Code: Connection timed out\n");
	g_assert_cmpstr(rcpt(rp, 0)->action, ==, "failed");
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "expired");
	report_free(&rp);

	/* X-Unix: a local delivery program's exit status. */
	rp = parse_dsn_with("Mailer failed.", "Action: failed\n"
	    "Status: 4.3.0\nDiagnostic-Code: X-Unix; 75\n");
	g_assert_true(rcpt(rp, 0)->local_program);
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "mailererror");
	report_free(&rp);

	/* m-FILTER names the command in a block of its own. */
	rp = parse_dsn_with("dave@example.net\n\n-------server message\n"
	    "550 dave@example.net... No such user\n\n-------SMTP command\n"
	    "DATA\n", "Action: failed\nStatus: 5.0.0\n");
	g_assert_cmpstr(rcpt(rp, 0)->command, ==, "DATA");
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "filtered");
	g_assert_cmpint(rcpt(rp, 0)->hard, ==, 0);
	report_free(&rp);

	/* qmail-remote names the command in its own words. */
	rp = parse_dsn_with("<dave@example.net>:\nConnected to 192.0.2.7 but "
	    "sender was rejected.\nRemote host said: 550 no such user\n",
	    "Action: failed\nStatus: 5.0.0\n");
	g_assert_cmpstr(rcpt(rp, 0)->command, ==, "MAIL");
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "rejected");
	g_assert_cmpint(rcpt(rp, 0)->hard, ==, 0);
	report_free(&rp);

	/* Exim: refused to EHLO, so the sending host was refused. */
	rp = parse_dsn_with("  dave@example.net\n    host mx.example.net "
	    "[192.0.2.7]\n    SMTP error from remote mail server after EHLO "
	    "mx.example.org:\n    550 Not now\n", "Action: failed\n"
	    "Status: 5.0.0\nDiagnostic-Code: smtp; 550 Not now\n");
	g_assert_cmpstr(rcpt(rp, 0)->command, ==, "HELO");
	g_assert_cmpstr(reason_of(rcpt(rp, 0)), ==, "blocked");
	report_free(&rp);
}

static void
test_garbage(void)
{
	static const char *inputs[] = {
		"", "\n", "\r\r\r", "From \n", "no headers at all",
		"Content-Type: multipart/report; boundary=x\n\n--x\n",
		"Content-Type: message/delivery-status\n\n\n\n",
	};
	guchar noise[4096];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
		struct report *rp = parse_str(inputs[i]);

		g_assert_cmpint(rp->kind, ==, REPORT_NONE);
		report_free(&rp);
	}
	for (i = 0; i < sizeof noise; i++)
		noise[i] = (guchar)g_test_rand_int_range(0, 256);
	for (i = 0; i < 64; i++) {
		struct report *rp = parse_message((const char *)noise + i,
		    sizeof noise - i);

		classify_report(rp);
		report_free(&rp);
	}
}

static const char nested[] =
    "From: MAILER-DAEMON@mx.example.org\n"
    "Subject: failure notice\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=O\n"
    "\n"
    "--O\n"
    "Content-Type: multipart/report; boundary=B\n"
    "\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Final-Recipient: rfc822; deep@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "--B--\n"
    "--O--\n";

/* dsn_two with a 5,000-byte Subject folded over ten more lines. */
static char *
long_subject(void)
{
	GString *s = g_string_new("Subject: ");
	const char *rest = strchr(dsn_two, '\n') + 1;
	int i;

	for (i = 0; i < 5000; i++)
		g_string_append_c(s, 'x');
	for (i = 0; i < 10; i++)
		g_string_append(s, "\n yyyyyyyyyy");
	g_string_append_c(s, '\n');
	g_string_append(s, rest);
	return g_string_free(s, FALSE);
}

/* Over each limit: what came before it is kept, and the limit named. */
static void
test_limits(void)
{
	static const struct {
		const char	*text;	/* NULL: long_subject() */
		guint		 recipients, depth, parts;
		gsize		 header_bytes;
		guint		 want_rcpts;
		const char	*want_limit;
	} cases[] = {
		{ dsn_two, 10000, 100, 1000, 102400, 2, NULL },
		{ dsn_two, 1, 100, 1000, 102400, 1, "[limits] recipients = 1" },
		{ dsn_two, 10000, 100, 3, 102400, 2, "[limits] mime_parts = 3" },
		{ nested, 10000, 2, 1000, 102400, 1, NULL },
		{ nested, 10000, 1, 1000, 102400, 1, "[limits] mime_depth = 1" },
		{ NULL, 10000, 100, 1000, 1024, 2, "[limits] header_bytes = 1024" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct parse_limits l = { cases[i].recipients, cases[i].depth,
		    cases[i].parts, cases[i].header_bytes };
		g_autofree char *text = cases[i].text ? g_strdup(cases[i].text) :
		    long_subject();
		struct report *rp = parse_message_limited(text, strlen(text), &l);

		g_test_message("case %zu: %u recipients, limit %s", i,
		    rp->recipients->len, rp->limit ? rp->limit : "none");
		g_assert_cmpuint(rp->recipients->len, ==, cases[i].want_rcpts);
		g_assert_cmpstr(rp->limit, ==, cases[i].want_limit);
		if (l.parts == 3)	/* the returned message was past the cut */
			g_assert_null(rp->orig_subject);
		if (cases[i].text == NULL)
			g_assert_cmpuint(strlen(rp->subject), <, 1024);
		report_free(&rp);
	}
}

/* The text as GMime converts it, the way parse.c did for every part. */
static char *
text_by_gmime(const char *msg, size_t len)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	char *text, *utf8;

	g_assert_nonnull(m);
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(
	    g_mime_message_get_mime_part(m)));
	utf8 = parse_text_utf8(text);
	g_free(text);
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(stream);
	return utf8;
}

/*
 * Text that is already UTF-8 is not converted: the result must be what
 * GMime's conversion gives, for text that is and text that is not.
 */
static void
test_text_charset(void)
{
	static const struct {
		const char	*charset;	/* NULL: no parameter */
		const char	*body;
		size_t		 len;
	} cases[] = {
#define BODY(s)	s, sizeof(s) - 1
		{ "us-ascii", BODY("plain ascii\n") },
		{ "US-ASCII", BODY("caf\xe9 in ascii\n") },
		{ "us-ascii", BODY("\033$B$3$s\033(B jis\n") },
		{ "utf-8", BODY("caf\xc3\xa9\n") },
		{ "UTF-8", BODY("bad \xc3\x28 sequence\n") },
		{ "utf-8", BODY("cut \xe2\x82") },
		{ "utf-8", BODY("nul \0 inside\n") },
		{ "us-ascii", BODY("nul \0 inside\n") },
		{ "iso-8859-1", BODY("caf\xe9\n") },
		{ NULL, BODY("caf\xe9 unlabelled\n") },
#undef BODY
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *msg = g_string_new("From: a@example.org\n"
		    "Content-Type: text/plain");
		struct report *rp;
		char *want;

		if (cases[i].charset != NULL)
			g_string_append_printf(msg, "; charset=%s",
			    cases[i].charset);
		g_string_append(msg, "\nContent-Transfer-Encoding: 8bit\n\n");
		g_string_append_len(msg, cases[i].body, cases[i].len);
		want = text_by_gmime(msg->str, msg->len);
		rp = parse_message(msg->str, msg->len);
		g_test_message("case %zu: %s", i, want);
		g_assert_cmpstr(rp->text, ==, want);
		report_free(&rp);
		g_free(want);
		g_string_free(msg, TRUE);
	}
}

/*
 * The returned original of a report is given to GMime as a header
 * block: after a report part only, never a forwarded bounce, and the
 * same facts come out.
 */
static void
test_shallow(void)
{
	static const char forwarded[] =
	    "From: alice@example.org\nSubject: Fwd: bounce\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=F\n\n"
	    "--F\nContent-Type: message/rfc822\n\nFrom: x@example.org\n\n"
	    "--F\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.net\nAction: failed\n"
	    "Status: 5.1.1\n--F--\n";
	static const char mixed[] =
	    "From: alice@example.org\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=M\n\n"
	    "--M\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.net\n"
	    "--M\nContent-Type: message/rfc822\n\nFrom: x@example.org\n\n"
	    "--M--\n";
	static const char no_boundary[] =
	    "Content-Type: multipart/report\n\n--\n";
	static const char unquoted[] =
	    "Content-Type: Multipart/Report; Boundary=X.Y;\n"
	    " report-type=delivery-status\n\n"
	    "--X.Y\nContent-Type: Message/Delivery-Status\n\n"
	    "Final-Recipient: rfc822; a@example.net\n"
	    "--X.Y  \nContent-Type:\n Message/RFC822 (the original)\n\n"
	    "To: a@example.net\n\nhi\n--X.Y--\n";
	g_autofree char *flat = NULL;
	struct report *rp;
	const char *at;
	size_t len;

	flat = parse_shallow(dsn_two, strlen(dsn_two), &len);
	g_assert_nonnull(flat);
	g_assert_cmpuint(len, ==, strlen(flat));
	at = strstr(flat, "--B\nContent-Type: text/rfc822-headers\n\nFrom: List");
	g_assert_nonnull(at);
	g_assert_null(strstr(flat, "message/rfc822"));
	/* Only the media type changed. */
	g_assert_cmpuint(len, ==, strlen(dsn_two) + strlen("text/rfc822-headers") -
	    strlen("message/rfc822"));
	rp = parse_str(dsn_two);
	check_dsn_two(rp);
	report_free(&rp);

	/* A message/rfc822 before the report, or outside a report. */
	g_assert_null(parse_shallow(forwarded, strlen(forwarded), &len));
	g_assert_null(parse_shallow(mixed, strlen(mixed), &len));
	g_assert_null(parse_shallow("", 0, &len));
	g_assert_null(parse_shallow(no_boundary, strlen(no_boundary), &len));
	/* Any case, a token boundary, padding after it, a folded type. */
	g_free(flat);
	flat = parse_shallow(unquoted, strlen(unquoted), &len);
	g_assert_nonnull(flat);
	g_assert_nonnull(strstr(flat, "Content-Type:\n text/rfc822-headers "
	    "(the original)\n"));
}

/*
 * A returned message/rfc822 outside a report is a message GMime has
 * parsed and whose headers it has decoded: they are not decoded twice,
 * so an encoded word spelt out in a subject stays as it was written.
 */
static void
test_returned_decoded_once(void)
{
	static const char forwarded[] =
	    "From: MAILER-DAEMON@example.net\nTo: list@example.org\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=M\n\n"
	    "--M\nContent-Type: text/plain\n\n<a@example.net>: User unknown\n"
	    "--M\nContent-Type: message/rfc822\n\n"
	    "From: list@example.org\nTo: a@example.net\n"
	    "Subject: =?UTF-8?Q?How_to_write_=3D=3FUTF-8=3FQ=3F=3D41=3F=3D?=\n"
	    "\nhi\n--M--\n";
	struct report *rp = parse_str(forwarded);

	g_assert_cmpstr(rp->orig_subject, ==, "How to write =?UTF-8?Q?=41?=");
	g_assert_cmpstr(rp->orig_to, ==, "a@example.net");
	report_free(&rp);
}

/*
 * A challenge-response system's request, or an allow-list notice, in
 * the subject or in the prose before a quoted copy of the post (whose
 * words are the list's: a newsletter asks to be added to address books).
 */
static void
test_challenge(void)
{
	static const struct { const char *subject, *text; int want; } cases[] = {
		{ "Please confirm your message", NULL, 1 },
		{ "Re: News [Spam Arrest verification]", NULL, 1 },
		{ NULL, "I'm protected by a spam blocker.\n", 1 },
		{ NULL, "Click below to verify that you are human.\n", 1 },
		{ NULL, "Your message is held, awaiting your confirmation.\n", 1 },
		{ NULL, "Please add us to your safe senders list.\n", 1 },
		{ "Undelivered Mail Returned to Sender",
		  "550 5.1.1 User unknown\n", 0 },
		{ "failure notice", "550 5.1.1 User unknown\n\n"
		  "--- Below this line is a copy of the message.\n\n"
		  "Subject: news\n\nAdd us to your address book!\n", 0 },
		{ NULL, "550 5.1.1 User unknown\n\nReturn-Path: <a@example.org>\n"
		  "\nTo keep receiving, add us to your whitelist.\n", 0 },
		{ NULL, NULL, 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(parse_is_challenge(cases[i].subject,
		    cases[i].text), ==, cases[i].want);
}

/*
 * Which command a session transcript's failure answered: replies pair
 * with commands in order (pipelined too), Sendmail's DATA may be
 * answered first by RCPT replies it did not log, ">>> ." is the end of
 * the message, a refusal before anything was sent the greeting.
 */
static void
test_transcript(void)
{
	static const struct {
		const char *text, *address, *want;
	} cases[] = {
		{ ">>> DATA\n<<< 354 Go ahead\n>>> .\n<<< 550 User unknown\n",
		  NULL, "DATA" },
		{ ">>> MAIL From:<l@example.com>\n>>> RCPT To:<a@example.net>\n"
		  ">>> DATA\n<<< 250 ok\n<<< 550 5.1.1 <a@example.net>... User "
		  "unknown\n<<< 503 Need RCPT\n", "a@example.net", "RCPT" },
		{ ">>> DATA\n<<< 550 5.1.1 <a@example.net>... User unknown\n"
		  "<<< 503 5.0.0 Need RCPT (recipient)\n", "a@example.net",
		  "DATA/RCPT" },
		{ ">>> DATA\n<<< 554 5.7.1 Message refused\n", NULL, "DATA/RCPT" },
		{ "... while talking to mx.example.net.:\n<<< 554 No SMTP "
		  "service here\n", NULL, "CONN" },
		{ ">>> EHLO lists.example.com\n<<< 550-Your name\n"
		  "<<< 550 was rejected\n", NULL, "HELO" },
		{ ">>> MAIL From:<l@example.com>\n<<< 553 5.1.8 Domain of "
		  "sender does not exist\n", NULL, "MAIL" },
		{ ">>> RCPT To:<a@example.net>\n>>> RCPT To:<b@example.net>\n"
		  "<<< 250 ok\n<<< 550 No such user <b@example.net>\n",
		  "b@example.net", "RCPT" },
		{ "   >>> DATA\n   <<< 354 go\n   >>> .\n   <<< 451 4.3.0 try "
		  "later\n", "x@example.net", "DATA" },
		{ ">>> DATA\n<<< 354 go\n>>> .\n<<< 250 ok\n", NULL, NULL },
		/* Each "... while talking to" opens a session of its own. */
		{ "... while talking to a.example.:\n>>> DATA\n"
		  "451 4.4.1 reply: read error\n... while talking to b.example.:\n"
		  "<<< 554 5.7.1 Go away\n", NULL, "CONN" },
		{ "no transcript at all: 550 user unknown\n", NULL, NULL },
		{ NULL, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *got = parse_transcript_command(cases[i].text,
		    cases[i].address);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("case %zu: got %s, want %s", i,
			    got ? got : "(null)",
			    cases[i].want ? cases[i].want : "(null)");
	}
}

/*
 * qmail-remote's "Giving up on <host>." leaves a notice's prose; a
 * sentence that only starts so, or says more, stays.
 */
static void
test_drop_noise(void)
{
	static const struct {
		const char	*text, *want;
	} cases[] = {
		{ "<a@example.org>:\nRemote host said: 550 Sorry\n"
		  "Giving up on 192.0.2.50.\n\nnext\n",
		  "<a@example.org>:\nRemote host said: 550 Sorry\n\nnext\n" },
		{ "  Giving up on mx.example.org.\r\nend", "end" },
		{ "Giving up on it: the message was queued too long\n",
		  "Giving up on it: the message was queued too long\n" },
		{ "Giving up on 192.0.2.50", "Giving up on 192.0.2.50" },
		{ "", "" },
	};
	char *text;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		text = g_strdup(cases[i].text);
		parse_text_drop_noise(text);
		g_assert_cmpstr(text, ==, cases[i].want);
		g_free(text);
	}
}

/*
 * The list's own address, known from the bounce address made from it
 * (the notice's To, the returned Return-Path) even where the returned
 * post carries no List-Id; a person's "+tag" subaddress is not a list.
 */
static void
test_list_address(void)
{
	static const struct {
		const char *address, *to, *return_path;
		int want;
	} cases[] = {
		{ "weekly@lists.example.com", "weekly-bounces@lists.example.com",
		  NULL, 1 },
		{ "weekly@lists.example.com", NULL,
		  "<bounces+weekly@lists.example.com>", 1 },
		{ "news@example.org", "news+bounces-12-ann=example.net@example.org",
		  NULL, 1 },
		{ "news@example.org", "news-owner@example.org", NULL, 1 },
		{ "kim@example.net", "kim+lists@example.net", NULL, 0 },
		{ "weekly@lists.example.com", "weekly-bounces@example.com",
		  NULL, 0 },
		{ "ann@example.net", "weekly-bounces@lists.example.com",
		  "<weekly-bounces@lists.example.com>", 0 },
		{ "news@example.org", "news@example.org", NULL, 0 },
		{ "w@example.org", "w-@example.org", NULL, 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct report *rp = report_new();

		rp->to = g_strdup(cases[i].to);
		rp->orig_return_path = g_strdup(cases[i].return_path);
		if (report_is_list_address(rp, cases[i].address) !=
		    cases[i].want)
			g_error("case %zu: %s is%s the list's", i,
			    cases[i].address, cases[i].want ? " not" : "");
		report_free(&rp);
	}
}

/*
 * The heading of a list of bare addresses: the lines above them in
 * their paragraph that name no address; none for an address that opens
 * its paragraph.
 */
static void
test_heading(void)
{
	static const struct {
		const char	*text, *address, *want;
	} cases[] = {
		{ "Failure Reasons\n\nUser not listed\nabe@example.com\n"
		  "bea@example.com\n\nReturned\n", "bea@example.com",
		  "User not listed" },
		{ "Failure Reasons\n\nUser not listed\nabe@example.com\n",
		  "abe@example.com", "User not listed" },
		{ "Delivery failed to:\n\n  abe@example.com\n",
		  "abe@example.com", NULL },
		{ "A note from news@example.org\nabe@example.com\n",
		  "abe@example.com", NULL },
		{ "abe@example.com\n", "bea@example.com", NULL },
	};
	char *got;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		got = parse_text_heading(cases[i].text, cases[i].address);
		g_assert_cmpstr(got, ==, cases[i].want);
		g_free(got);
	}
}

/*
 * A bounce's date: its Date in any zone and form (parse_date_header()
 * reads it without parsing, and agrees with the parse), else its DSN's
 * recipients' latest Last-Attempt-Date, else its Arrival-Date, else
 * the date of its newest Received field.
 */
static void
test_dates(void)
{
	static const struct { const char *head; gint64 want; } cases[] = {
		/* 2026-11-13 07:40:37 UTC, written many ways. */
		{ "Date: Fri, 13 Nov 2026 07:40:37 +0000\n", 1794555637 },
		{ "Date: Fri, 13 Nov 2026 02:40:37 -0500 (EST)\n", 1794555637 },
		{ "Date: 13 Nov 2026 13:10:37 +0530\n", 1794555637 },
		{ "Date: Fri, 13 Nov 2026 02:40:37 EST\n", 1794555637 },
		{ "Date: Fri, 13 Nov 2026 07:40:37 GMT\n", 1794555637 },
		{ "DATE:Fri, 13 Nov 2026\n 07:40:37 +0000\n", 1794555637 },
		{ "From MAILER-DAEMON Fri Nov 13 07:40:37 2026\n"
		  "Subject: x\r\nDate: Fri, 13 Nov 2026 07:40:37 +0000\r\n",
		  1794555637 },
		{ "Subject: no date\n", 0 },
		{ "Date: yesterday\n", 0 },
		{ "Subject: x\n\nDate: Fri, 13 Nov 2026 07:40:37 +0000\n", 0 },
	};
	static const char dsn[] = "From: MAILER-DAEMON@mx.example\n"
	    "Subject: failure\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\n\n--B\nContent-Type: text/plain\n\nfailed\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example\n%s\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
	    "Status: 5.1.1\n%s\n"
	    "Final-Recipient: rfc822; b@example.org\nAction: failed\n"
	    "Status: 5.1.1\n%s\n--B--\n";
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *msg = g_strconcat(cases[i].head,
		    "\nbody\n", NULL);
		struct report *rp = parse_message(msg, strlen(msg));

		g_test_message("%s", cases[i].head);
		g_assert_cmpint(parse_date_header(msg, strlen(msg)), ==,
		    cases[i].want);
		if (strncmp(msg, "From ", 5) != 0)
			g_assert_cmpint(rp->date, ==, cases[i].want);
		report_free(&rp);
	}
	{
		g_autofree char *a = g_strdup_printf(dsn,
		    "Arrival-Date: Fri, 13 Nov 2026 02:40:00 -0500", "", "");
		g_autofree char *b = g_strdup_printf(dsn,
		    "Arrival-Date: Thu, 12 Nov 2026 07:40:37 +0000",
		    "Last-Attempt-Date: Fri, 13 Nov 2026 07:00:00 +0000",
		    "Last-Attempt-Date: Fri, 13 Nov 2026 07:40:37 +0000");
		g_autofree char *none = g_strdup_printf(dsn, "", "", "");
		/* The newest Received field first, folded before its date. */
		g_autofree char *c = g_strconcat("Received: from mx.example by "
		    "lists.example.org with ESMTP id 1;\n\tFri, 13 Nov 2026 "
		    "08:40:37 +0100\nReceived: from a by b; Thu, 12 Nov 2026 "
		    "01:00:00 +0000\n", none, NULL);
		struct report *ra = parse_message(a, strlen(a));
		struct report *rb = parse_message(b, strlen(b));
		struct report *rc = parse_message(c, strlen(c));

		g_assert_cmpint(parse_date_header(a, strlen(a)), ==, 0);
		g_assert_cmpint(ra->date, ==, 1794555600);
		g_assert_cmpint(rb->date, ==, 1794555637);
		g_assert_cmpint(rc->date, ==, 1794555637);
		report_free(&ra);
		report_free(&rb);
		report_free(&rc);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	parse_init();
	g_test_add_func("/parse/dsn", test_dsn);
	g_test_add_func("/parse/returned-decoded-once",
	    test_returned_decoded_once);
	g_test_add_func("/parse/empty", test_empty);
	g_test_add_func("/parse/line-endings", test_line_endings);
	g_test_add_func("/parse/global", test_global);
	g_test_add_func("/parse/arf", test_arf);
	g_test_add_func("/parse/autoreply", test_autoreply);
	g_test_add_func("/parse/dsn-not-autoreply", test_dsn_not_autoreply);
	g_test_add_func("/parse/lost-boundary", test_lost_boundary);
	g_test_add_func("/parse/dsn-variants", test_dsn_variants);
	g_test_add_func("/parse/reply-apart", test_reply_apart);
	g_test_add_func("/parse/garbage", test_garbage);
	g_test_add_func("/parse/limits", test_limits);
	g_test_add_func("/parse/text-charset", test_text_charset);
	g_test_add_func("/parse/shallow", test_shallow);
	g_test_add_func("/parse/challenge", test_challenge);
	g_test_add_func("/parse/transcript", test_transcript);
	g_test_add_func("/parse/list-address", test_list_address);
	g_test_add_func("/parse/drop-noise", test_drop_noise);
	g_test_add_func("/parse/heading", test_heading);
	g_test_add_func("/parse/dates", test_dates);
	rc = g_test_run();
	parse_shutdown();
	return rc;
}

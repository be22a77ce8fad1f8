/*
 * test_ses.c: Amazon SES notifications read as JSON (parse_ses.c), as
 * mail and through SNS (webhook_ses.c).  The cases a scan for "key":
 * got wrong (each fails with the strstr reader this replaced): a key's
 * name as another member's string value, an escaped quote in a
 * delivery's address, a \u escape, a ']' inside a string, an object of
 * the same name nested in a recipient; then SNS's string to sign, to
 * the letter of "Verifying the signatures of Amazon SNS messages", and a
 * post split into one event a recipient, each with its own id.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "classify.h"
#include "parse.h"
#include "webhook_parse.h"

/* A message whose text is json, as an SNS email subscription sends it. */
static struct report *
mail(const char *json)
{
	g_autofree char *msg = g_strdup_printf("From: no-reply@sns.example.com\n"
	    "To: bounces@lists.example.com\nSubject: Amazon SES Bounce "
	    "Notification\nMIME-Version: 1.0\nContent-Type: text/plain; "
	    "charset=UTF-8\n\n%s\n", json);
	struct report *rp = parse_message(msg, strlen(msg));

	classify_report(rp);
	return rp;
}

static const struct recipient *
nth(const struct report *rp, guint i)
{
	g_assert_cmpuint(rp->recipients->len, >, i);
	return g_ptr_array_index(rp->recipients, i);
}

/*
 * "status" as another member's string value, before the member: the
 * member still counts (the diagnostic names no code to fall back on).
 */
static void
test_key_in_value(void)
{
	struct report *rp = mail("{\"notificationType\":\"Bounce\",\"bounce\":"
	    "{\"bounceType\":\"Permanent\",\"bounceSubType\":\"General\","
	    "\"bouncedRecipients\":[{\"emailAddress\":\"ann@example.org\","
	    "\"action\":\"status\",\"status\":\"5.1.1\",\"diagnosticCode\":"
	    "\"smtp; 550 user unknown\"}],\"feedbackId\":\"f1\"}}");

	g_assert_cmpint(rp->kind, ==, REPORT_DSN);
	g_assert_cmpuint(rp->recipients->len, ==, 1);
	g_assert_cmpstr(nth(rp, 0)->status, ==, "5.1.1");
	g_assert_cmpstr(report_reason_name(nth(rp, 0)->reason), ==,
	    "userunknown");
	report_free(&rp);
}

/* Escapes are JSON's: a quote, a \u00e9, a ']' in a string. */
static void
test_escapes(void)
{
	struct report *rp = mail("{\"notificationType\":\"Bounce\",\"bounce\":"
	    "{\"bounceType\":\"Transient\",\"bounceSubType\":\"MailboxFull\","
	    "\"bouncedRecipients\":[{\"emailAddress\":\"jos\\u00e9@example.org\","
	    "\"diagnosticCode\":\"smtp; 552 5.2.2 [\\\"jos\\u00e9\\\"] over quota\"},"
	    "{\"emailAddress\":\"bea@example.org\",\"status\":\"5.1.1\"}],"
	    "\"feedbackId\":\"f2\"}}");

	g_assert_cmpuint(rp->recipients->len, ==, 2);
	g_assert_cmpstr(nth(rp, 0)->address, ==, "jos\xc3\xa9@example.org");
	g_assert_cmpstr(nth(rp, 0)->diagnostic, ==,
	    "smtp; 552 5.2.2 [\"jos\xc3\xa9\"] over quota");
	g_assert_cmpstr(nth(rp, 0)->status, ==, "5.2.2");
	g_assert_cmpstr(nth(rp, 1)->address, ==, "bea@example.org");
	/* bea's own status, not one found further on. */
	g_assert_cmpstr(nth(rp, 1)->status, ==, "5.1.1");
	report_free(&rp);
}

/* A nested object with emailAddress is not a recipient. */
static void
test_nested(void)
{
	struct report *rp = mail("{\"notificationType\":\"Bounce\",\"mail\":"
	    "{\"commonHeaders\":{\"subject\":\"notificationType\"}},"
	    "\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":"
	    "[{\"emailAddress\":\"cy@example.org\",\"status\":\"5.1.1\","
	    "\"extra\":{\"emailAddress\":\"mallory@evil.example\","
	    "\"status\":\"2.0.0\"}}],\"feedbackId\":\"f3\"}}");

	g_assert_cmpuint(rp->recipients->len, ==, 1);
	g_assert_cmpstr(nth(rp, 0)->address, ==, "cy@example.org");
	g_assert_cmpstr(nth(rp, 0)->status, ==, "5.1.1");
	g_assert_cmpstr(rp->orig_subject, ==, "notificationType");
	report_free(&rp);
}

/* A delivery's recipients are strings: a quoted local part's quotes. */
static void
test_escaped_quote(void)
{
	struct report *rp = mail("{\"notificationType\":\"Delivery\","
	    "\"delivery\":{\"recipients\":[\"\\\"j d\\\"@example.org\","
	    "\"k@example.org\"],\"smtpResponse\":\"250 ok\"},"
	    "\"mail\":{\"messageId\":\"m9\"}}");

	g_assert_cmpuint(rp->recipients->len, ==, 2);
	g_assert_cmpstr(nth(rp, 0)->address, ==, "\"j d\"@example.org");
	g_assert_cmpstr(nth(rp, 0)->action, ==, "delivered");
	g_assert_cmpstr(nth(rp, 1)->address, ==, "k@example.org");
	report_free(&rp);
}

/* SNS's envelope around it, as an email-json subscription sends it. */
static void
test_mail_envelope(void)
{
	struct report *rp = mail("{\"Type\":\"Notification\",\"MessageId\":"
	    "\"m1\",\"Message\":\"{\\\"notificationType\\\":\\\"Complaint\\\","
	    "\\\"complaint\\\":{\\\"complainedRecipients\\\":[{\\\"emailAddress"
	    "\\\":\\\"dee@example.net\\\"}],\\\"complaintFeedbackType\\\":"
	    "\\\"fraud\\\",\\\"feedbackId\\\":\\\"f4\\\"}}\"}");

	g_assert_cmpint(rp->kind, ==, REPORT_ARF);
	g_assert_cmpstr(rp->feedback_type, ==, "fraud");
	g_assert_cmpstr(nth(rp, 0)->address, ==, "dee@example.net");
	report_free(&rp);
}

/* Not SES's: the words alone in prose make no SES report. */
static void
test_not_ses(void)
{
	struct report *rp = mail("Your notificationType is {broken");

	g_assert_cmpint(rp->kind, !=, REPORT_DSN);
	report_free(&rp);
}

static void
sns(struct webhook_sns *m, const char *json)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(webhook_sns_read(json, strlen(json), m, &error));
	g_assert_no_error(error);
}

static void
test_string_to_sign(void)
{
	struct webhook_sns m;
	char *s;

	sns(&m, "{\"Type\":\"Notification\",\"MessageId\":\"id1\","
	    "\"TopicArn\":\"arn:aws:sns:us-east-1:1:t\",\"Subject\":\"Hi\","
	    "\"Message\":\"a\\nb\",\"Timestamp\":\"2026-12-06T00:00:00.000Z\","
	    "\"SignatureVersion\":\"1\",\"Signature\":\"x\",\"SigningCertURL\":"
	    "\"https://sns.us-east-1.amazonaws.com/c.pem\",\"UnsubscribeURL\":"
	    "\"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe\"}");
	s = webhook_sns_string_to_sign(&m);
	g_assert_cmpstr(s, ==, "Message\na\nb\nMessageId\nid1\nSubject\nHi\n"
	    "Timestamp\n2026-12-06T00:00:00.000Z\nTopicArn\n"
	    "arn:aws:sns:us-east-1:1:t\nType\nNotification\n");
	g_free(s);
	g_clear_pointer(&m.subject, g_free);
	s = webhook_sns_string_to_sign(&m);
	g_assert_null(strstr(s, "Subject"));
	g_free(s);
	webhook_sns_clear(&m);
	sns(&m, "{\"Type\":\"SubscriptionConfirmation\",\"MessageId\":\"id2\","
	    "\"Token\":\"tok\",\"TopicArn\":\"arn:aws:sns:us-east-1:1:t\","
	    "\"Message\":\"m\",\"SubscribeURL\":\"https://sns.us-east-1."
	    "amazonaws.com/?Action=ConfirmSubscription\",\"Timestamp\":\"ts\","
	    "\"SignatureVersion\":\"2\",\"Signature\":\"x\",\"SigningCertURL\":"
	    "\"https://sns.us-east-1.amazonaws.com/c.pem\"}");
	s = webhook_sns_string_to_sign(&m);
	g_assert_cmpstr(s, ==, "Message\nm\nMessageId\nid2\nSubscribeURL\n"
	    "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n"
	    "Timestamp\nts\nToken\ntok\nTopicArn\narn:aws:sns:us-east-1:1:t\n"
	    "Type\nSubscriptionConfirmation\n");
	g_free(s);
	webhook_sns_clear(&m);
}

/* SES's JSON alone is raw delivery; a partial envelope is malformed. */
static void
test_sns_refused(void)
{
	const char *raw = "{\"notificationType\":\"Bounce\",\"bounce\":{}}";
	const char *part = "{\"Type\":\"Notification\",\"Message\":\"{}\"}";
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	struct webhook_sns m;

	g_assert_false(webhook_sns_read(raw, strlen(raw), &m, &e1));
	g_assert_error(e1, WEBHOOK_PARSE_ERROR, WEBHOOK_PARSE_RAW);
	g_assert_false(webhook_sns_read(part, strlen(part), &m, &e2));
	g_assert_error(e2, WEBHOOK_PARSE_ERROR, WEBHOOK_PARSE_INVALID);
}

/* One event a recipient, each id its feedbackId and recipient. */
static void
test_split(void)
{
	const char *body = "{\"Type\":\"Notification\",\"Message\":"
	    "\"{\\\"eventType\\\":\\\"Bounce\\\",\\\"bounce\\\":{\\\"bounceType"
	    "\\\":\\\"Permanent\\\",\\\"bounceSubType\\\":\\\"Suppressed\\\","
	    "\\\"feedbackId\\\":\\\"fb\\\",\\\"bouncedRecipients\\\":["
	    "{\\\"emailAddress\\\":\\\"e1@example.org\\\"},{\\\"emailAddress"
	    "\\\":\\\"e2@example.org\\\"}]},\\\"mail\\\":{\\\"messageId\\\":"
	    "\\\"mid\\\"}}\"}";
	g_autoptr(GPtrArray) parts = webhook_split(WEBHOOK_SES, body,
	    strlen(body), NULL);
	guint i;

	g_assert_nonnull(parts);
	g_assert_cmpuint(parts->len, ==, 2);
	for (i = 0; i < 2; i++) {
		g_autofree char *id = NULL, *want = g_strdup_printf(
		    "Bounce fb e%u@example.org", i + 1);
		const char *p = parts->pdata[i];
		struct report *rp = webhook_parse(WEBHOOK_SES, p, strlen(p),
		    &id, NULL);

		g_assert_nonnull(rp);
		classify_report(rp);
		g_assert_cmpstr(id, ==, want);
		g_assert_cmpuint(rp->recipients->len, ==, 1);
		g_assert_cmpstr(nth(rp, 0)->category, ==,
		    "ses:permanent/suppressed");
		g_assert_cmpstr(report_reason_name(nth(rp, 0)->reason), ==,
		    "suppressed");
		report_free(&rp);
	}
}

/* A complaint SES made of its own suppression list: no complaint. */
static void
test_complaint_suppressed(void)
{
	const char *body = "{\"notificationType\":\"Complaint\",\"complaint\":"
	    "{\"complaintSubType\":\"OnAccountSuppressionList\",\"feedbackId\":"
	    "\"fc\",\"complainedRecipients\":[{\"emailAddress\":\"f@example.org\"}]}}";
	g_autofree char *id = NULL;
	struct report *rp = webhook_parse(WEBHOOK_SES, body, strlen(body), &id,
	    NULL);

	g_assert_nonnull(rp);
	classify_report(rp);
	g_assert_cmpint(rp->kind, ==, REPORT_DSN);
	g_assert_cmpstr(report_reason_name(nth(rp, 0)->reason), ==,
	    "suppressed");
	g_assert_cmpint(nth(rp, 0)->hard, ==, 0);
	report_free(&rp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	parse_init();
	g_test_add_func("/ses/mail/key-in-value", test_key_in_value);
	g_test_add_func("/ses/mail/escapes", test_escapes);
	g_test_add_func("/ses/mail/nested", test_nested);
	g_test_add_func("/ses/mail/escaped-quote", test_escaped_quote);
	g_test_add_func("/ses/mail/envelope", test_mail_envelope);
	g_test_add_func("/ses/mail/not-ses", test_not_ses);
	g_test_add_func("/ses/sns/string-to-sign", test_string_to_sign);
	g_test_add_func("/ses/sns/refused", test_sns_refused);
	g_test_add_func("/ses/split", test_split);
	g_test_add_func("/ses/complaint-suppressed", test_complaint_suppressed);
	return g_test_run();
}

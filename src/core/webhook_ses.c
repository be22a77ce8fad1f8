/*
 * webhook_ses.c: Amazon SES's notifications as an SNS HTTPS
 * subscription posts them: SNS's envelope ("HTTP/HTTPS notification JSON
 * format", "... subscription confirmation JSON format" in the SNS
 * developer guide) around SES's JSON, which parse_ses.c reads for mail
 * and webhook alike.
 *
 *   {"Type": "Notification", "MessageId": "...", "TopicArn": "arn:...",
 *    "Message": "{\"notificationType\":\"Bounce\", ...}",
 *    "Timestamp": "...", "SignatureVersion": "1", "Signature": "...",
 *    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/...pem", ...}
 *
 * Pure: what the signature covers is built here, checked by the daemon
 * (webhook_sns.c) before anything else of the post is read.  A post is
 * split into one event a recipient, each SES's notification with that
 * recipient alone, so that its id (feedbackId and recipient) makes a
 * retried post count once per recipient.  Raw message delivery (SES's
 * JSON without the envelope) is told apart: nothing signs it.
 */
#include "config.h"

#include <string.h>

#include "json_read.h"
#include "parse_ses.h"
#include "webhook_kind.h"
#include "webhook_ses.h"

void
webhook_sns_clear(struct webhook_sns *m)
{
	g_clear_pointer(&m->type, g_free);
	g_clear_pointer(&m->message_id, g_free);
	g_clear_pointer(&m->topic_arn, g_free);
	g_clear_pointer(&m->subject, g_free);
	g_clear_pointer(&m->message, g_free);
	g_clear_pointer(&m->timestamp, g_free);
	g_clear_pointer(&m->token, g_free);
	g_clear_pointer(&m->subscribe_url, g_free);
	g_clear_pointer(&m->signature_version, g_free);
	g_clear_pointer(&m->signature, g_free);
	g_clear_pointer(&m->signing_cert_url, g_free);
}

static int
webhook_sns_is_confirmation(const char *type)
{
	return strcmp(type, "SubscriptionConfirmation") == 0 ||
	    strcmp(type, "UnsubscribeConfirmation") == 0;
}

/* The envelope's members, each a string or absent. */
static void
webhook_sns_fill(struct webhook_sns *m, JsonObject *o)
{
	static const struct {
		const char	*name;
		size_t		 at;
	} members[] = {
		{ "Type", G_STRUCT_OFFSET(struct webhook_sns, type) },
		{ "MessageId", G_STRUCT_OFFSET(struct webhook_sns, message_id) },
		{ "TopicArn", G_STRUCT_OFFSET(struct webhook_sns, topic_arn) },
		{ "Subject", G_STRUCT_OFFSET(struct webhook_sns, subject) },
		{ "Message", G_STRUCT_OFFSET(struct webhook_sns, message) },
		{ "Timestamp", G_STRUCT_OFFSET(struct webhook_sns, timestamp) },
		{ "Token", G_STRUCT_OFFSET(struct webhook_sns, token) },
		{ "SubscribeURL",
		    G_STRUCT_OFFSET(struct webhook_sns, subscribe_url) },
		{ "SignatureVersion",
		    G_STRUCT_OFFSET(struct webhook_sns, signature_version) },
		{ "Signature", G_STRUCT_OFFSET(struct webhook_sns, signature) },
		{ "SigningCertURL",
		    G_STRUCT_OFFSET(struct webhook_sns, signing_cert_url) },
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(members); i++)
		G_STRUCT_MEMBER(char *, m, members[i].at) =
		    g_strdup(json_read_string(o, members[i].name));
}

static int
webhook_sns_check(struct webhook_sns *m, JsonObject *o, GError **error)
{
	if (m->type == NULL && (json_read_string(o, "notificationType") ||
	    json_read_string(o, "eventType")))
		return webhook_parse_fail(error, WEBHOOK_PARSE_RAW, "SES's "
		    "notification without SNS's envelope (raw message "
		    "delivery): nothing signs it");
	if (m->type == NULL || m->message_id == NULL || m->topic_arn == NULL ||
	    m->message == NULL || m->timestamp == NULL ||
	    m->signature_version == NULL || m->signature == NULL ||
	    m->signing_cert_url == NULL)
		return webhook_parse_fail(error, WEBHOOK_PARSE_INVALID, "not "
		    "an SNS message: no Type, MessageId, TopicArn, Message, "
		    "Timestamp, SignatureVersion, Signature and "
		    "SigningCertURL");
	if (webhook_sns_is_confirmation(m->type) &&
	    (m->token == NULL || m->subscribe_url == NULL))
		return webhook_parse_fail(error, WEBHOOK_PARSE_INVALID,
		    "a confirmation without Token and SubscribeURL");
	return 1;
}

int
webhook_sns_read(const char *body, size_t len, struct webhook_sns *m,
    GError **error)
{
	g_autoptr(JsonParser) p = NULL;
	JsonObject *o;

	memset(m, 0, sizeof *m);
	if ((p = json_read_load(body, len, &o, error)) == NULL)
		return 0;
	webhook_sns_fill(m, o);
	if (!webhook_sns_check(m, o, error)) {
		webhook_sns_clear(m);
		return 0;
	}
	return 1;
}

static void
webhook_sns_line(GString *s, const char *name, const char *value)
{
	if (value != NULL)
		g_string_append_printf(s, "%s\n%s\n", name, value);
}

char *
webhook_sns_string_to_sign(const struct webhook_sns *m)
{
	int confirmation = webhook_sns_is_confirmation(m->type);
	GString *s;

	if (!confirmation && strcmp(m->type, "Notification") != 0)
		return NULL;
	s = g_string_new(NULL);
	webhook_sns_line(s, "Message", m->message);
	webhook_sns_line(s, "MessageId", m->message_id);
	if (confirmation)
		webhook_sns_line(s, "SubscribeURL", m->subscribe_url);
	else
		webhook_sns_line(s, "Subject", m->subject);
	webhook_sns_line(s, "Timestamp", m->timestamp);
	if (confirmation)
		webhook_sns_line(s, "Token", m->token);
	webhook_sns_line(s, "TopicArn", m->topic_arn);
	webhook_sns_line(s, "Type", m->type);
	return g_string_free(s, FALSE);
}

/*
 * The SES notification a post carries (a saved body may be SES's JSON
 * alone): its parser, *n its object (a confirmation's: the envelope);
 * NULL and an error if it has none.  *type_r: the envelope's Type, or
 * NULL.
 */
static JsonParser *
webhook_ses_inner(const char *body, size_t len, JsonObject **n,
    char **type_r, GError **error)
{
	g_autoptr(JsonParser) outer = NULL;
	const char *type, *message;
	JsonObject *top;
	JsonParser *p;

	*type_r = NULL;
	if ((outer = json_read_load(body, len, &top, error)) == NULL)
		return NULL;
	if ((type = json_read_string(top, "Type")) == NULL)
		return json_read_load(body, len, n, error);
	*type_r = g_strdup(type);
	if (strcmp(type, "Notification") != 0) {
		*n = top;	/* a confirmation: no SES */
		return g_steal_pointer(&outer);
	}
	if ((message = json_read_string(top, "Message")) == NULL ||
	    (p = json_read_load(message, strlen(message), n, NULL)) == NULL) {
		webhook_parse_fail(error, WEBHOOK_PARSE_INVALID, "the SNS "
		    "Message is not SES's JSON");
		return NULL;
	}
	return p;
}

GPtrArray *
webhook_ses_split(const char *body, size_t len, GError **error)
{
	g_autoptr(JsonParser) outer = NULL, p = NULL;
	const char *type, *text = body;
	gssize tlen = (gssize)len;
	GPtrArray *parts;
	JsonObject *top;
	JsonNode *root;

	if ((outer = json_read_load(body, len, &top, error)) == NULL)
		return NULL;
	if ((type = json_read_string(top, "Type")) != NULL &&
	    strcmp(type, "Notification") != 0) {
		parts = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(parts, g_strndup(body, len));
		return parts;
	}
	if (type != NULL) {
		text = json_read_string(top, "Message");
		tlen = -1;
	}
	/* A parser of its own, which parse_ses_each() may change. */
	p = json_parser_new();
	if (text == NULL || !json_parser_load_from_data(p, text, tlen, NULL) ||
	    (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		webhook_parse_fail(error, WEBHOOK_PARSE_INVALID, "the SNS "
		    "Message is not SES's JSON");
		return NULL;
	}
	return parse_ses_each(root);
}

struct report *
webhook_ses_parse(const char *body, size_t len, char **event_id_r,
    GError **error)
{
	g_autoptr(JsonParser) p = NULL;
	g_autofree char *type = NULL;
	struct report *rp;
	JsonObject *n;

	*event_id_r = NULL;
	if ((p = webhook_ses_inner(body, len, &n, &type, error)) == NULL)
		return NULL;
	rp = report_new();
	if (type != NULL && strcmp(type, "Notification") != 0) {
		/* A confirmation: kind none, nothing to record. */
		rp->reporting_mta = g_strdup("amazonses.com");
		*event_id_r = g_strdup_printf("%s %s", type,
		    json_read_string(n, "MessageId") != NULL ?
		    json_read_string(n, "MessageId") : "-");
		return rp;
	}
	if (!parse_ses_notification(rp, n) ||
	    (*event_id_r = parse_ses_event_id(n)) == NULL) {
		report_free(&rp);
		webhook_parse_fail(error, WEBHOOK_PARSE_INVALID, "not an SES "
		    "notification: no notificationType or eventType, or no "
		    "feedbackId nor mail.messageId");
		return NULL;
	}
	return rp;
}

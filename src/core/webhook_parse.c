/*
 * webhook_parse.c: a sending service's webhook body to a report.
 *
 * Mailgun (its "Webhooks" and "Events" documentation) posts one event
 * per request:
 *   {"signature": {"timestamp": "...", "token": "...", "signature": "..."},
 *    "event-data": {"event": "failed", "id": "...", "severity": "permanent",
 *      "reason": "bounce", "recipient": "a@b",
 *      "delivery-status": {"code": 550, "message": "...", "mx-host": "..."},
 *      "message": {"headers": {"message-id": "...", "from": "...", ...}}}}
 * "failed" becomes a DSN recipient (permanent: failed; temporary:
 * delayed), "complained" a feedback report, "delivered" a delivery;
 * every other event (opened, clicked, accepted, ...) a report of kind
 * REPORT_NONE.  The service's own judgement (severity, reason) is kept
 * in the recipient's category, as evidence beside the diagnostic that
 * the classifier reads as it reads any bounce.
 *
 * Postmark (its "Bounce webhook", "Spam complaint webhook" and "Delivery
 * webhook" pages) posts one record per request, with no signature (the
 * daemon checks its HTTP Basic credentials):
 *   {"RecordType": "Bounce", "ID": 4323372036854775807,
 *    "Type": "HardBounce", "TypeCode": 1, "Email": "a@b",
 *    "Details": "smtp;550 5.1.1 ...", "MessageID": "...", ...}
 * A bounce becomes a DSN recipient (Transient, a delay: delayed;
 * every other Type: failed), classified from its Details; the Type is
 * kept as the category.  SpamComplaint is a complaint, Delivery a
 * delivery; Open, Click and the rest are of kind REPORT_NONE.
 *
 * SparkPost (its "Webhooks" and "Events" API pages) posts a batch, an
 * array of {"msys": {"message_event": {...}}} (or track_event, ...);
 * webhook_split() makes each element a body of its own:
 *   {"type": "bounce", "event_id": "...", "rcpt_to": "a@b",
 *    "bounce_class": "10", "raw_reason": "550 5.1.1 ...", ...}
 * bounce and out_of_band become a failed recipient, delay a delayed one
 * (classified from raw_reason; bounce_class kept as the category),
 * spam_complaint a complaint, delivery a delivery; the rest (injection,
 * opens, clicks, ...) are of kind REPORT_NONE.
 *
 * SendGrid (its "Event Webhook" reference) posts a batch too, an array
 * of flat objects:
 *   {"email": "a@b", "event": "bounce", "sg_event_id": "...",
 *    "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 ...",
 *    "bounce_classification": "Invalid Address", ...}
 * bounce (type bounce or blocked) becomes a failed recipient, deferred a
 * delayed one (classified from reason or response; bounce_classification
 * kept as the category), spamreport a complaint, delivered a delivery;
 * the rest (processed, dropped, open, click, ...) REPORT_NONE.
 *
 * Amazon SES posts through SNS, one notification a post, in SNS's
 * envelope: webhook_ses.c reads it, parse_ses.c what SES says.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "json_read.h"
#include "parse_int.h"
#include "status.h"
#include "webhook_parse.h"

static int
webhook_invalid(GError **error, const char *what)
{
	return webhook_parse_fail(error, WEBHOOK_PARSE_INVALID, what);
}

void
webhook_mailgun_sig_clear(struct webhook_mailgun_sig *sig)
{
	g_clear_pointer(&sig->timestamp, g_free);
	g_clear_pointer(&sig->token, g_free);
	g_clear_pointer(&sig->signature, g_free);
}

int
webhook_mailgun_signature(const char *body, size_t len,
    struct webhook_mailgun_sig *sig, GError **error)
{
	g_autoptr(JsonParser) p = NULL;
	JsonObject *top, *s;

	memset(sig, 0, sizeof *sig);
	if ((p = json_read_load(body, len, &top, error)) == NULL)
		return 0;
	s = json_read_object(top, "signature");
	if (json_read_string(s, "timestamp") == NULL ||
	    json_read_string(s, "token") == NULL ||
	    json_read_string(s, "signature") == NULL)
		return webhook_invalid(error, "no \"signature\" object with "
		    "timestamp, token and signature");
	sig->timestamp = g_strdup(json_read_string(s, "timestamp"));
	sig->token = g_strdup(json_read_string(s, "token"));
	sig->signature = g_strdup(json_read_string(s, "signature"));
	return 1;
}

/* The returned message's headers, as the service kept them. */
static void
webhook_mailgun_headers(struct report *rp, JsonObject *ev)
{
	JsonObject *h = json_read_object(json_read_object(ev, "message"),
	    "headers");

	report_set(&rp->orig_message_id, json_read_string(h, "message-id"));
	report_set(&rp->orig_from, json_read_string(h, "from"));
	report_set(&rp->orig_to, json_read_string(h, "to"));
	report_set(&rp->orig_subject, json_read_string(h, "subject"));
}

/* delivery-status: the remote server's reply, as a DSN would give it. */
static void
webhook_mailgun_status(struct recipient *r, JsonObject *ds)
{
	const char *msg = json_read_string(ds, "message");
	const char *desc = json_read_string(ds, "description");
	gint64 code = json_read_int(ds, "code");
	const char *text = msg != NULL && *msg != '\0' ? msg : desc;

	report_set(&r->remote_mta, json_read_string(ds, "mx-host"));
	if (code >= 200 && code <= 599)
		r->replycode = (int)code;
	if (text == NULL || *text == '\0')
		return;
	r->diagnostic = code >= 200 && code <= 599 ?
	    g_strdup_printf("smtp; %d %s", (int)code, text) :
	    g_strdup_printf("smtp; %s", text);
	r->remote_diagnostic = r->remote_mta != NULL;
}

/* One recipient, the address to normalised, or NULL if none fits. */
static struct recipient *
webhook_recipient(struct report *rp, const char *to, const char *action)
{
	struct recipient *r;

	if (to == NULL || !parse_recipient_fits(rp))
		return NULL;
	r = report_add_recipient(rp);
	r->address = addr_normalise(to);
	r->action = g_strdup(action);
	return r;
}

/* The service's own judgement, lower case: "permanent bounce". */
static void
webhook_mailgun_category(struct recipient *r, const char *severity,
    const char *reason)
{
	g_autofree char *both = g_strjoin(" ", severity ? severity : "",
	    reason ? reason : "", NULL);

	g_strstrip(both);
	if (*both != '\0')
		r->category = g_ascii_strdown(both, -1);
}

static void
webhook_mailgun_event(struct report *rp, JsonObject *ev, const char *event)
{
	const char *severity = json_read_string(ev, "severity");
	const char *reason = json_read_string(ev, "reason");
	struct recipient *r;

	if (strcmp(event, "failed") == 0) {
		rp->kind = REPORT_DSN;
		r = webhook_recipient(rp, json_read_string(ev, "recipient"),
		    severity != NULL &&
		    strcmp(severity, "temporary") == 0 ? "delayed" : "failed");
		if (r == NULL)
			return;
		webhook_mailgun_status(r, json_read_object(ev, "delivery-status"));
		webhook_mailgun_category(r, severity, reason);
		parse_dsn_complete(r);
	} else if (strcmp(event, "complained") == 0) {
		rp->kind = REPORT_ARF;
		rp->feedback_type = g_strdup("abuse");
		webhook_recipient(rp, json_read_string(ev, "recipient"),
		    "failed");
	} else if (strcmp(event, "delivered") == 0) {
		rp->kind = REPORT_DSN;
		r = webhook_recipient(rp, json_read_string(ev, "recipient"),
		    "delivered");
		if (r != NULL)
			webhook_mailgun_status(r,
			    json_read_object(ev, "delivery-status"));
	}
}

static struct report *
webhook_parse_mailgun(JsonObject *top, char **event_id_r, GError **error)
{
	JsonObject *ev = json_read_object(top, "event-data");
	const char *event = json_read_string(ev, "event");
	const char *id = json_read_string(ev, "id");
	struct report *rp;

	if (event == NULL || id == NULL) {
		webhook_invalid(error, "no \"event-data\" object with an event "
		    "and an id");
		return NULL;
	}
	rp = report_new();
	rp->reporting_mta = g_strdup("mailgun");
	webhook_mailgun_headers(rp, ev);
	webhook_mailgun_event(rp, ev, event);
	/* No recipient to record it under (an open, a number for one). */
	if (rp->recipients->len == 0)
		rp->kind = REPORT_NONE;
	*event_id_r = g_strdup(id);
	return rp;
}

/*
 * Postmark's ID (bounces, complaints) is a number: its decimal text is
 * the event id.  Other records have none: their message and recipient.
 */
static char *
webhook_postmark_id(JsonObject *o)
{
	JsonNode *n = json_object_get_member(o, "ID");
	const char *msg = json_read_string(o, "MessageID");
	const char *to = json_read_string(o, "Recipient");

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return msg != NULL && to != NULL ?
		    g_strdup_printf("%s %s", msg, to) : NULL;
	if (json_node_get_value_type(n) == G_TYPE_INT64)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	if (json_node_get_value_type(n) == G_TYPE_STRING)
		return g_strdup(json_node_get_string(n));
	return NULL;
}

static void
webhook_postmark_bounce(struct report *rp, JsonObject *o)
{
	const char *type = json_read_string(o, "Type");
	const char *details = json_read_string(o, "Details");
	struct recipient *r;

	rp->kind = REPORT_DSN;
	r = webhook_recipient(rp, json_read_string(o, "Email"),
	    type != NULL && strcmp(type, "Transient") == 0 ? "delayed" :
	    "failed");
	if (r == NULL)
		return;
	if (details != NULL && *details != '\0')
		r->diagnostic = g_strdup(details);
	if (type != NULL)
		r->category = g_ascii_strdown(type, -1);
	parse_dsn_complete(r);
}

static struct report *
webhook_parse_postmark(JsonObject *top, char **event_id_r, GError **error)
{
	const char *type = json_read_string(top, "RecordType");
	char *id = webhook_postmark_id(top);
	struct report *rp;

	if (type == NULL || id == NULL) {
		g_free(id);
		webhook_invalid(error, "no RecordType, or neither ID nor "
		    "MessageID and Recipient");
		return NULL;
	}
	rp = report_new();
	rp->reporting_mta = g_strdup("postmark");
	report_set(&rp->orig_message_id, json_read_string(top, "MessageID"));
	report_set(&rp->orig_subject, json_read_string(top, "Subject"));
	if (strcmp(type, "Bounce") == 0)
		webhook_postmark_bounce(rp, top);
	else if (strcmp(type, "SpamComplaint") == 0) {
		rp->kind = REPORT_ARF;
		rp->feedback_type = g_strdup("abuse");
		webhook_recipient(rp, json_read_string(top, "Email"),
		    "failed");
	} else if (strcmp(type, "Delivery") == 0) {
		rp->kind = REPORT_DSN;
		webhook_recipient(rp, json_read_string(top, "Recipient"),
		    "delivered");
	}
	if (rp->recipients->len == 0)
		rp->kind = REPORT_NONE;
	*event_id_r = g_strdup_printf("%s %s", type, id);
	g_free(id);
	return rp;
}

/* SparkPost's event object: under msys, whatever its class. */
static JsonObject *
webhook_sparkpost_event(JsonObject *top)
{
	JsonObject *msys = json_read_object(top, "msys");
	GList *members, *l;
	JsonObject *ev = NULL;

	if (msys == NULL)
		return NULL;
	members = json_object_get_members(msys);
	for (l = members; l != NULL && ev == NULL; l = l->next)
		ev = json_read_object(msys, l->data);
	g_list_free(members);
	return ev;
}

static void
webhook_sparkpost_failed(struct report *rp, JsonObject *ev,
    const char *action)
{
	const char *reason = json_read_string(ev, "raw_reason");
	const char *class = json_read_string(ev, "bounce_class");
	struct recipient *r;

	rp->kind = REPORT_DSN;
	r = webhook_recipient(rp, json_read_string(ev, "rcpt_to"), action);
	if (r == NULL)
		return;
	if (reason == NULL)
		reason = json_read_string(ev, "reason");
	if (reason != NULL && *reason != '\0')
		r->diagnostic = g_strdup_printf("smtp; %s", reason);
	if (class != NULL)
		r->category = g_strdup_printf("bounce_class %s", class);
	parse_dsn_complete(r);
}

static struct report *
webhook_parse_sparkpost(JsonObject *top, char **event_id_r, GError **error)
{
	JsonObject *ev = webhook_sparkpost_event(top);
	const char *type = json_read_string(ev, "type");
	const char *id = json_read_string(ev, "event_id");
	struct report *rp;

	if (type == NULL || id == NULL) {
		webhook_invalid(error, "no msys event with a type and an "
		    "event_id");
		return NULL;
	}
	rp = report_new();
	rp->reporting_mta = g_strdup("sparkpost");
	report_set(&rp->orig_message_id, json_read_string(ev, "message_id"));
	report_set(&rp->orig_subject, json_read_string(ev, "subject"));
	if (strcmp(type, "bounce") == 0 || strcmp(type, "out_of_band") == 0)
		webhook_sparkpost_failed(rp, ev, "failed");
	else if (strcmp(type, "delay") == 0)
		webhook_sparkpost_failed(rp, ev, "delayed");
	else if (strcmp(type, "spam_complaint") == 0) {
		rp->kind = REPORT_ARF;
		rp->feedback_type = g_strdup("abuse");
		webhook_recipient(rp, json_read_string(ev, "rcpt_to"), "failed");
	} else if (strcmp(type, "delivery") == 0) {
		rp->kind = REPORT_DSN;
		webhook_recipient(rp, json_read_string(ev, "rcpt_to"),
		    "delivered");
	}
	if (rp->recipients->len == 0)
		rp->kind = REPORT_NONE;
	*event_id_r = g_strdup(id);
	return rp;
}

static struct report *
webhook_parse_sendgrid(JsonObject *ev, char **event_id_r, GError **error)
{
	const char *event = json_read_string(ev, "event");
	const char *id = json_read_string(ev, "sg_event_id");
	const char *to = json_read_string(ev, "email");
	const char *text, *class;
	struct recipient *r = NULL;
	struct report *rp;

	if (event == NULL || id == NULL) {
		webhook_invalid(error, "no event and sg_event_id");
		return NULL;
	}
	rp = report_new();
	rp->reporting_mta = g_strdup("sendgrid");
	report_set(&rp->orig_message_id, json_read_string(ev, "smtp-id"));
	if (strcmp(event, "bounce") == 0 || strcmp(event, "deferred") == 0) {
		rp->kind = REPORT_DSN;
		r = webhook_recipient(rp, to, strcmp(event, "bounce") == 0 ?
		    "failed" : "delayed");
	} else if (strcmp(event, "spamreport") == 0) {
		rp->kind = REPORT_ARF;
		rp->feedback_type = g_strdup("abuse");
		webhook_recipient(rp, to, "failed");
	} else if (strcmp(event, "delivered") == 0) {
		rp->kind = REPORT_DSN;
		webhook_recipient(rp, to, "delivered");
	}
	if (r != NULL) {
		text = json_read_string(ev, "reason");
		if (text == NULL)
			text = json_read_string(ev, "response");
		if (text != NULL && *text != '\0')
			r->diagnostic = g_strdup_printf("smtp; %s", text);
		if (json_read_string(ev, "status") != NULL)
			status_parse(json_read_string(ev, "status"), r->status);
		if ((class = json_read_string(ev, "bounce_classification")) != NULL)
			r->category = g_ascii_strdown(class, -1);
		parse_dsn_complete(r);
	}
	if (rp->recipients->len == 0)
		rp->kind = REPORT_NONE;
	*event_id_r = g_strdup(id);
	return rp;
}

GPtrArray *
webhook_split(enum webhook_kind kind, const char *body, size_t len,
    GError **error)
{
	g_autoptr(JsonParser) p = NULL;
	GPtrArray *parts;
	JsonNode *root;
	JsonArray *a;
	guint i;

	if (kind == WEBHOOK_SES)	/* one event a recipient */
		return webhook_ses_split(body, len, error);
	p = json_parser_new_immutable();
	parts = g_ptr_array_new_with_free_func(g_free);
	if (kind != WEBHOOK_SPARKPOST && kind != WEBHOOK_SENDGRID) {
		g_ptr_array_add(parts, g_strndup(body, len));
		return parts;
	}
	if (len > G_MAXSSIZE || !json_parser_load_from_data(p, body,
	    (gssize)len, error) || (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(root)) {
		if (error != NULL && *error == NULL)
			webhook_invalid(error, "not a JSON array");
		g_ptr_array_unref(parts);
		return NULL;
	}
	a = json_node_get_array(root);
	for (i = 0; i < json_array_get_length(a); i++)
		g_ptr_array_add(parts, json_to_string(
		    json_array_get_element(a, i), FALSE));
	return parts;
}

struct report *
webhook_parse(enum webhook_kind kind, const char *body, size_t len,
    char **event_id_r, GError **error)
{
	g_autoptr(JsonParser) p = NULL;
	JsonObject *top;

	*event_id_r = NULL;
	if (kind == WEBHOOK_SES)
		return webhook_ses_parse(body, len, event_id_r, error);
	if ((p = json_read_load(body, len, &top, error)) == NULL)
		return NULL;
	switch (kind) {
	case WEBHOOK_MAILGUN:
		return webhook_parse_mailgun(top, event_id_r, error);
	case WEBHOOK_POSTMARK:
		return webhook_parse_postmark(top, event_id_r, error);
	case WEBHOOK_SPARKPOST:
		return webhook_parse_sparkpost(top, event_id_r, error);
	case WEBHOOK_SENDGRID:
		return webhook_parse_sendgrid(top, event_id_r, error);
	case WEBHOOK_SES:
		break;
	}
	webhook_invalid(error, "unknown kind");
	return NULL;
}

/*
 * parse_ses.c: Amazon SES notifications ("Amazon SES notification
 * contents" and "Event publishing" in its developer guide), read with
 * json-glib: one reader for those that come as mail (an SNS email or
 * email-json subscription puts the JSON, or SNS's envelope around it, in
 * the text of a message) and those an SNS HTTPS subscription posts to a
 * webhook (webhook_ses.c).
 *
 *   {"notificationType": "Bounce",          (or "eventType", publishing)
 *    "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
 *      "bouncedRecipients": [{"emailAddress": "a@b", "action": "failed",
 *        "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 ..."}],
 *      "feedbackId": "...", "reportingMTA": "dsn; ...", "remoteMtaIp": ...},
 *    "mail": {"messageId": "...", "source": "bounces@...",
 *      "headers": [{"name": "List-Id", "value": "..."}, ...],
 *      "commonHeaders": {"messageId": "<...>", "subject": "..."}}}
 *
 * A bounced recipient becomes a DSN recipient, classified from its
 * diagnosticCode as any bounce; SES's bounceType and bounceSubType are
 * kept as its category ("ses:permanent/general"), which status.tab reads
 * only when the diagnostic says nothing.  A complaint is a feedback
 * report (its complaintFeedbackType), unless SES only refused to send
 * (complaintSubType OnAccountSuppressionList); a delivery is a delivery
 * and clears a suspect; a DeliveryDelay is delayed.  Every other type
 * (Send, Reject, Open, Click, ...) names no recipient.  A member is
 * taken only with its type: a key inside a string value, an escaped
 * quote or a nested object of the same name changes nothing.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "json_read.h"
#include "parse_int.h"
#include "parse_ses.h"
#include "phrases.h"
#include "status.h"

/* Each type rebound records: where its recipients are, what they become. */
static const struct ses_type {
	const char	*name;		/* notificationType or eventType */
	const char	*object;	/* the member with its details */
	const char	*list;		/* ... and its recipients */
	const char	*action;	/* each recipient's, by default */
	const char	*id;		/* the member of object naming it */
} ses_types[] = {
	{ "Bounce", "bounce", "bouncedRecipients", "failed", "feedbackId" },
	{ "Complaint", "complaint", "complainedRecipients", "failed",
	    "feedbackId" },
	{ "Delivery", "delivery", "recipients", "delivered", NULL },
	{ "DeliveryDelay", "deliveryDelay", "delayedRecipients", "delayed",
	    "timestamp" },
};

static const char *
ses_type_name(JsonObject *n)
{
	const char *type = json_read_string(n, "notificationType");

	return type != NULL ? type : json_read_string(n, "eventType");
}

static const struct ses_type *
ses_type_of(JsonObject *n)
{
	const char *name = ses_type_name(n);
	guint i;

	for (i = 0; name != NULL && i < G_N_ELEMENTS(ses_types); i++)
		if (strcmp(ses_types[i].name, name) == 0)
			return &ses_types[i];
	return NULL;
}

/* The recipients' list of n, or NULL. */
static JsonArray *
ses_list(JsonObject *n, const struct ses_type *t)
{
	return t != NULL ?
	    json_read_array(json_read_object(n, t->object), t->list) : NULL;
}

/* Element i's address: a string (deliveries) or its emailAddress. */
static const char *
ses_address(JsonArray *list, guint i)
{
	JsonNode *e = json_array_get_element(list, i);

	if (JSON_NODE_HOLDS_OBJECT(e))
		return json_read_string(json_node_get_object(e),
		    "emailAddress");
	return json_read_element_string(list, i);
}

/* The value of the sent message's header name, from mail.headers. */
static const char *
ses_header(JsonObject *mail, const char *name)
{
	JsonArray *h = json_read_array(mail, "headers");
	guint i;

	for (i = 0; h != NULL && i < json_array_get_length(h); i++) {
		JsonNode *e = json_array_get_element(h, i);
		const char *key;

		if (!JSON_NODE_HOLDS_OBJECT(e))
			continue;
		key = json_read_string(json_node_get_object(e), "name");
		if (key != NULL && g_ascii_strcasecmp(key, name) == 0)
			return json_read_string(json_node_get_object(e),
			    "value");
	}
	return NULL;
}

/* The returned message, as SES kept it: its headers and its sender. */
static void
ses_mail(struct report *rp, JsonObject *mail)
{
	JsonObject *common = json_read_object(mail, "commonHeaders");

	report_set(&rp->orig_message_id, json_read_string(common, "messageId"));
	report_set(&rp->orig_subject, json_read_string(common, "subject"));
	report_set(&rp->orig_from, ses_header(mail, "From"));
	report_set(&rp->orig_to, ses_header(mail, "To"));
	report_set(&rp->orig_list_id, ses_header(mail, "List-Id"));
	report_set(&rp->orig_list_post, ses_header(mail, "List-Post"));
	report_set(&rp->orig_return_path, json_read_string(mail, "source"));
}

/* "ses:permanent/general": SES's own judgement, lower case. */
static char *
ses_category(const char *type, const char *subtype)
{
	g_autofree char *s = g_strdup_printf("ses:%s/%s", type ? type : "",
	    subtype ? subtype : "");

	return g_ascii_strdown(s, -1);
}

/* One element of a bounce's or a delay's list, as a DSN gives it. */
static void
ses_failure(struct recipient *r, JsonObject *e, JsonObject *d)
{
	const char *status = json_read_string(e, "status");
	const char *diag = json_read_string(e, "diagnosticCode");

	report_set(&r->action, json_read_string(e, "action"));
	if (status != NULL)
		status_parse(status, r->status);
	if (diag != NULL && *diag != '\0') {
		r->diagnostic = g_strdup(diag);
		r->remote_diagnostic = g_ascii_strncasecmp(diag, "smtp;", 5) == 0;
		r->command = phrases_find("smtp-command", diag, NULL);
	}
	report_set(&r->remote_mta, json_read_string(d, "remoteMtaIp"));
	parse_dsn_complete(r);
}

static void
ses_recipient(struct report *rp, const struct ses_type *t, JsonObject *d,
    JsonArray *list, guint i)
{
	JsonNode *e = json_array_get_element(list, i);
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) :
	    NULL;
	const char *to = ses_address(list, i);
	struct recipient *r;

	if (to == NULL || !parse_recipient_fits(rp))
		return;
	r = report_add_recipient(rp);
	r->address = addr_normalise(to);
	if (strcmp(t->name, "Bounce") == 0) {
		ses_failure(r, o, d);
		r->category = ses_category(json_read_string(d, "bounceType"),
		    json_read_string(d, "bounceSubType"));
	} else if (strcmp(t->name, "DeliveryDelay") == 0) {
		ses_failure(r, o, d);
		r->category = ses_category("delay",
		    json_read_string(d, "delayType"));
	} else if (strcmp(t->name, "Delivery") == 0) {
		report_set(&r->diagnostic, json_read_string(d, "smtpResponse"));
		report_set(&r->remote_mta, json_read_string(d, "remoteMtaIp"));
	} else if (rp->kind == REPORT_DSN)	/* suppressed, not complained */
		r->category = ses_category("complaint",
		    json_read_string(d, "complaintSubType"));
	if (r->action == NULL)
		r->action = g_strdup(t->action);
}

/* The kind of report t makes, and what the whole notification says. */
static void
ses_kind(struct report *rp, const struct ses_type *t, JsonObject *d)
{
	const char *feedback = json_read_string(d, "complaintFeedbackType");
	const char *sub = json_read_string(d, "complaintSubType");

	rp->kind = REPORT_DSN;
	if (strcmp(t->name, "Complaint") == 0 &&
	    (sub == NULL || strcmp(sub, "OnAccountSuppressionList") != 0)) {
		rp->kind = REPORT_ARF;
		rp->feedback_type = g_strdup(feedback != NULL ? feedback :
		    "abuse");
	}
	report_set(&rp->reporting_mta, json_read_string(d, "reportingMTA"));
	if (rp->reporting_mta == NULL)
		rp->reporting_mta = g_strdup("amazonses.com");
}

int
parse_ses_notification(struct report *rp, JsonObject *n)
{
	const struct ses_type *t = ses_type_of(n);
	JsonArray *list = ses_list(n, t);
	JsonObject *d;
	guint i;

	if (ses_type_name(n) == NULL)
		return 0;
	ses_mail(rp, json_read_object(n, "mail"));
	if (list == NULL)
		return 1;
	d = json_read_object(n, t->object);
	ses_kind(rp, t, d);
	for (i = 0; i < json_array_get_length(list); i++)
		ses_recipient(rp, t, d, list, i);
	if (rp->recipients->len == 0)
		rp->kind = REPORT_NONE;
	return 1;
}

GPtrArray *
parse_ses_each(JsonNode *node)
{
	JsonObject *n = json_node_get_object(node);
	const struct ses_type *t = ses_type_of(n);
	JsonArray *list = ses_list(n, t);
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	JsonObject *d;
	guint i;

	if (list == NULL || json_array_get_length(list) < 2) {
		g_ptr_array_add(parts, json_to_string(node, FALSE));
		return parts;
	}
	d = json_read_object(n, t->object);
	json_array_ref(list);
	for (i = 0; i < json_array_get_length(list); i++) {
		JsonArray *one = json_array_sized_new(1);

		json_array_add_element(one,
		    json_node_copy(json_array_get_element(list, i)));
		json_object_set_array_member(d, t->list, one);
		g_ptr_array_add(parts, json_to_string(node, FALSE));
	}
	json_array_unref(list);
	return parts;
}

/*
 * What names n's event: its feedbackId (a delay's: its time, and the
 * message, as SES sends several for one), else its message's id.
 */
static char *
ses_event_base(JsonObject *n, const struct ses_type *t)
{
	const char *msg = json_read_string(json_read_object(n, "mail"),
	    "messageId");
	const char *own = NULL;

	if (t != NULL && t->id != NULL)
		own = json_read_string(json_read_object(n, t->object), t->id);
	if (own != NULL && msg != NULL && strcmp(t->id, "timestamp") == 0)
		return g_strdup_printf("%s %s", own, msg);
	return g_strdup(own != NULL ? own : msg);
}

char *
parse_ses_event_id(JsonObject *n)
{
	const struct ses_type *t = ses_type_of(n);
	JsonArray *list = ses_list(n, t);
	const char *type = ses_type_name(n), *to;
	g_autofree char *base = ses_event_base(n, t);
	GString *id;
	guint i;

	if (type == NULL || base == NULL)
		return NULL;
	id = g_string_new(NULL);
	g_string_printf(id, "%s %s", type, base);
	for (i = 0; list != NULL && i < json_array_get_length(list); i++)
		if ((to = ses_address(list, i)) != NULL)
			g_string_append_printf(id, "%s%s", i ? "," : " ", to);
	return g_string_free(id, FALSE);
}

/* The JSON object in text: from its first '{' to its last '}'. */
static JsonParser *
ses_find(const char *text, JsonObject **top)
{
	const char *open = strchr(text, '{'), *close = strrchr(text, '}');

	if (open == NULL || close == NULL || close < open)
		return NULL;
	return json_read_load(open, (size_t)(close - open + 1), top, NULL);
}

/*
 * Mail: whether text is an SES notification with a recipient (then rp
 * is filled).  SNS wraps it as the JSON string "Message" of its own
 * envelope, or sends the notification alone.
 */
int
parse_ses(struct report *rp, const char *text)
{
	g_autoptr(JsonParser) outer = NULL, inner = NULL;
	const char *message;
	JsonObject *top, *n;

	/* Most mail is not SES's: no JSON parse for it. */
	if (text == NULL || (strstr(text, "notificationType") == NULL &&
	    strstr(text, "eventType") == NULL) ||
	    (outer = ses_find(text, &top)) == NULL)
		return 0;
	n = top;
	if (json_read_string(top, "Type") != NULL &&
	    (message = json_read_string(top, "Message")) != NULL &&
	    (inner = json_read_load(message, strlen(message), &n, NULL)) ==
	    NULL)
		return 0;
	if (!parse_ses_notification(rp, n))
		return 0;
	return rp->recipients->len > 0;
}

/*
 * parse_ses.c: Amazon SES notifications (JSON sent by SNS to e-mail).
 *
 * SES reports bounces, complaints and deliveries as a JSON document in
 * the text of an ordinary message:
 *   {"notificationType":"Bounce","bounce":{"bouncedRecipients":[
 *     {"emailAddress":"a@b","action":"failed","status":"5.1.1",
 *      "diagnosticCode":"smtp; 550 5.1.1 user unknown"}], ...}, ...}
 * Only the few string fields needed are read, by name, in one pass each;
 * no JSON value is evaluated, so malformed input yields fewer fields,
 * never more.  Complaints become feedback reports.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "parse_int.h"
#include "status.h"

/* The JSON string value of the next "key" at or after p; *next after it. */
static char *
ses_string(const char *p, const char *key, const char **next)
{
	g_autofree char *pattern = g_strdup_printf("\"%s\"", key);
	const char *q;
	GString *out;

	if ((p = strstr(p, pattern)) == NULL)
		return NULL;
	p += strlen(pattern);
	p += strspn(p, " \t\r\n");
	if (*p++ != ':')
		return NULL;
	p += strspn(p, " \t\r\n");
	if (*p++ != '"')
		return NULL;
	out = g_string_new(NULL);
	for (q = p; *q != '\0' && *q != '"'; q++) {
		if (*q == '\\' && q[1] != '\0')
			q++;
		g_string_append_c(out, *q);
	}
	if (next != NULL)
		*next = q;
	return g_string_free(out, FALSE);
}

/* One recipient per "emailAddress" in the list that starts at p. */
static void
ses_recipients(struct report *rp, const char *p, const char *action)
{
	struct recipient *r;
	const char *end = strchr(p, ']'), *next;
	char *addr, *status;

	while (end != NULL && parse_recipient_fits(rp) &&
	    (addr = ses_string(p, "emailAddress", &next)) != NULL) {
		if (next >= end) {	/* an address past the list's end */
			g_free(addr);
			break;
		}
		r = report_add_recipient(rp);
		r->address = addr_normalise(addr);
		g_free(addr);
		r->action = ses_string(p, "action", NULL);
		if (r->action == NULL || strstr(r->action, "\"") != NULL)
			report_set(&r->action, action);
		if ((status = ses_string(p, "status", NULL)) != NULL)
			status_parse(status, r->status);
		g_free(status);
		r->diagnostic = ses_string(p, "diagnosticCode", NULL);
		parse_dsn_complete(r);
		p = next;
		end = strchr(p, ']');
	}
}

/* Deliveries list plain strings: "recipients":["a@b","c@d"]. */
static void
ses_delivered(struct report *rp, const char *p)
{
	const char *open = strstr(p, "\"recipients\""), *end, *q;
	struct recipient *r;

	if (open == NULL || (open = strchr(open, '[')) == NULL ||
	    (end = strchr(open, ']')) == NULL)
		return;
	for (q = open; (q = memchr(q, '"', end - q)) != NULL && q < end; ) {
		const char *close = memchr(q + 1, '"', end - q - 1);

		if (close == NULL)
			break;
		r = report_add_recipient(rp);
		r->address = g_strndup(q + 1, close - q - 1);
		r->action = g_strdup("delivered");
		q = close + 1;
	}
}

/*
 * Returns whether text was an SES notification (then rp is filled).
 * SNS may wrap it as a JSON string in the "Message" of its own JSON.
 */
int
parse_ses(struct report *rp, const char *text)
{
	g_autofree char *type = NULL, *inner = NULL;
	const char *p;

	if (text == NULL)
		return 0;
	if ((p = strstr(text, "{\"notificationType\"")) == NULL) {
		if (strstr(text, "{\\\"notificationType\\\"") == NULL ||
		    (inner = ses_string(text, "Message", NULL)) == NULL ||
		    strstr(inner, "\\\"notificationType") != NULL)
			return 0;
		return parse_ses(rp, inner);
	}
	if ((type = ses_string(p, "notificationType", NULL)) == NULL)
		return 0;
	if (strcmp(type, "Bounce") == 0) {
		rp->kind = REPORT_DSN;
		ses_recipients(rp, p, "failed");
	} else if (strcmp(type, "Complaint") == 0) {
		rp->kind = REPORT_ARF;
		rp->feedback_type = ses_string(p, "complaintFeedbackType", NULL);
		if (rp->feedback_type == NULL)
			rp->feedback_type = g_strdup("abuse");
		ses_recipients(rp, p, NULL);
	} else if (strcmp(type, "Delivery") == 0) {
		rp->kind = REPORT_DSN;
		ses_delivered(rp, p);
	}
	return rp->recipients->len > 0;
}

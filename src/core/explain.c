/*
 * explain.c: what an SMTP reply code (RFC 5321) or an enhanced status
 * code (RFC 3463, the IANA registry of RFC 5248) means, and what rebound
 * makes of it.
 *
 * The meanings are data: codes.tab, compiled in as one string, one line
 * a code ("CODE\tTITLE\tSOURCE\tMEANING").  Lookups scan it and copy the
 * line they find; nothing is kept between calls, so there is nothing to
 * set up or tear down.  What rebound makes of a code is what status.tab
 * gives it and what the classifier records for a failure report that
 * carries that code and nothing else: the same code the daemon runs, so
 * the answer cannot drift from it.  Text that is not a code is refused
 * by explain_parse(); nothing here prints.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "classify.h"
#include "explain.h"
#include "status.h"

extern const char codes_tab[];

/* The start of the line after p's. */
static const char *
explain_next(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? nl + 1 : p + strlen(p);
}

/* The line of codes.tab whose code is key, or NULL. */
static const char *
explain_line(const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = codes_tab; *p != '\0'; p = explain_next(p))
		if (strncmp(p, key, n) == 0 && p[n] == '\t')
			return p;
	return NULL;
}

struct explain_code *
explain_lookup(const char *key)
{
	const char *line = explain_line(key);
	g_autofree char *copy = NULL;
	g_auto(GStrv) f = NULL;
	struct explain_code *c;

	if (line == NULL)
		return NULL;
	copy = g_strndup(line, strcspn(line, "\n"));
	f = g_strsplit(copy, "\t", 4);
	if (g_strv_length(f) != 4)
		return NULL;
	c = g_new0(struct explain_code, 1);
	c->key = g_strdup(f[0]);
	c->title = g_strdup(f[1]);
	c->source = g_strdup(f[2]);
	c->meaning = g_strdup(f[3]);
	return c;
}

void
explain_code_free(struct explain_code **cp)
{
	struct explain_code *c = *cp;

	if (c == NULL)
		return;
	g_free(c->key);
	g_free(c->title);
	g_free(c->source);
	g_free(c->meaning);
	g_free(c);
	*cp = NULL;
}

/* An enhanced status code: its own line, else its X line. */
struct explain_code *
explain_status(const char *status)
{
	struct explain_code *c;
	char key[STATUS_MAX + 1];

	if (status == NULL || status[0] == '\0')
		return NULL;
	if ((c = explain_lookup(status)) != NULL)
		return c;
	g_snprintf(key, sizeof key, "X%s", status + 1);
	return explain_lookup(key);
}

struct explain_code *
explain_reply(int replycode)
{
	char key[8];

	if (replycode <= 0)
		return NULL;
	g_snprintf(key, sizeof key, "%d", replycode);
	return explain_lookup(key);
}

/* The class of the status ("5.X.X"), else of the reply code ("5XX"). */
struct explain_code *
explain_class(const char *status, int replycode)
{
	char key[8];

	if (status != NULL && g_ascii_isdigit(status[0]))
		g_snprintf(key, sizeof key, "%c.X.X", status[0]);
	else if (replycode > 0)
		g_snprintf(key, sizeof key, "%dXX", replycode / 100);
	else
		return NULL;
	return explain_lookup(key);
}

/*
 * A few words for a recorded outcome's codes, as "rebound show" prints
 * them: the status code's title, or the reply code's where the status
 * is missing, generic (x.0.0) or unknown.  NULL if neither is known.
 */
char *
explain_brief(const char *status, int replycode)
{
	struct explain_code *c = NULL;
	char *title;

	if (status != NULL && !status_is_generic(status))
		c = explain_status(status);
	if (c == NULL)
		c = explain_reply(replycode);
	if (c == NULL)
		return NULL;
	title = g_steal_pointer(&c->title);
	explain_code_free(&c);
	return title;
}

/* Three digits that can be a reply code (RFC 5321 4.2), alone or not. */
static int
explain_is_reply(const char *p)
{
	return p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '5' &&
	    g_ascii_isdigit(p[2]) && (p[3] == '\0' || p[3] == ' ' ||
	    p[3] == '\t' || p[3] == '-');
}

/* p[0..n) as a status code of one class, or for any ("X.1.1"). */
static int
explain_status_token(const char *p, size_t n, char status[STATUS_MAX])
{
	char code[STATUS_MAX];
	int any = p[0] == 'X' || p[0] == 'x';

	if (n == 0 || n >= STATUS_MAX)
		return 0;
	memcpy(code, p, n);
	code[n] = '\0';
	if (any)
		code[0] = '5';
	if (!status_valid(code, n))
		return 0;
	if (any)
		code[0] = 'X';
	memcpy(status, code, n + 1);
	return 1;
}

/*
 * A code as a person writes it: "5.1.1", "X.1.1", "550", "550 5.1.1"
 * or "550-5.1.1".  Fills status (a code, an "X." code or "") and
 * *replycode_r (or 0); 0 if text is none of those forms.
 */
int
explain_parse(const char *text, char status[STATUS_MAX], int *replycode_r)
{
	const char *p = text + strspn(text, " \t");
	int reply = 0, dash = 0;
	size_t n;

	status[0] = '\0';
	*replycode_r = 0;
	if (explain_is_reply(p)) {
		reply = atoi(p);
		dash = p[3] == '-';
		p += 3 + dash;
		p += strspn(p, " \t");
	}
	n = strcspn(p, " \t");
	if (n == 0 && reply != 0 && !dash) {
		*replycode_r = reply;
		return 1;
	}
	if (p[n + strspn(p + n, " \t")] != '\0' ||
	    !explain_status_token(p, n, status))
		return 0;
	*replycode_r = reply;
	return 1;
}

/*
 * What the classifier makes of a report with one recipient, this status
 * (of one class, or "") and reply code, and nothing else: no words, no
 * SMTP command.  A success code is a delivery notice, anything else a
 * failure (Action: failed).
 */
void
explain_verdict(const char *status, int replycode, struct explain_verdict *v)
{
	struct report *rp = report_new();
	struct recipient *r = report_add_recipient(rp);
	int success = status[0] != '\0' ? status_class(status) == 2 :
	    replycode / 100 == 2;

	memset(v, 0, sizeof *v);
	v->table_reason = classify_status(status, 0, &v->weak);
	if (v->table_reason == NULL && replycode != 0) {
		v->table_reason = classify_status(NULL, replycode, &v->weak);
		v->by_reply = v->table_reason != NULL;
	}
	rp->kind = REPORT_DSN;
	report_set(&r->action, success ? "delivered" : "failed");
	g_strlcpy(r->status, status, STATUS_MAX);
	r->replycode = replycode;
	classify_report(rp);
	v->reason = report_reason_name(r->reason);
	v->hard = r->hard;
	v->confidence = r->confidence;
	v->class = r->class;
	v->decided = g_steal_pointer(&r->decided);
	report_free(&rp);
}

void
explain_verdict_clear(struct explain_verdict *v)
{
	g_free(v->decided);
	memset(v, 0, sizeof *v);
}

/* The reasons that make an address dead (classify_is_hard()). */
static int
explain_is_dead(const char *name)
{
	enum report_reason reason;

	return report_reason_parse(name, &reason) &&
	    report_reason_is(reason, REASON_DEAD);
}

/* Whether the words of the report may change the code's reason. */
const char *
explain_text_rule(const struct explain_verdict *v)
{
	if (v->table_reason == NULL)
		return "status.tab gives it no reason: wording rebound knows "
		    "in the report decides, else other evidence";
	if (v->by_reply)
		return "a reply code counts last: a status code, or wording "
		    "rebound knows in the report, comes first";
	if (v->weak)
		return "weak: servers send it for many causes, so wording "
		    "rebound knows in the report decides; the code only where "
		    "the words say nothing known";
	if (explain_is_dead(v->table_reason))
		return "the code decides, but the report's words may make it "
		    "soft (a filter, a blocklist, a full mailbox), never the "
		    "other way; so may a refusal at the greeting, HELO or MAIL "
		    "FROM, which is of the sending side, and \"user unknown\" "
		    "after DATA, a content filter's (filtered)";
	return "the code decides; the words do not change it, but a refusal "
	    "at the greeting, HELO or MAIL FROM is of the sending side";
}

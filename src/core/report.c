/*
 * report.c: allocation and teardown of struct report and its recipients,
 * and what the report says of the list's own addresses.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "addr.h"
#include "report.h"
#include "vocab.h"

static const char *const report_class_names[] = {
	[CLASS_HARD] = "hard",
	[CLASS_SOFT] = "soft",
	[CLASS_COMPLAINT] = "complaint",
	[CLASS_DELAY] = "delay",
	[CLASS_SENDER] = "sender",
	[CLASS_DELIVERED] = "delivered",
	[CLASS_VACATION] = "vacation",
};
G_STATIC_ASSERT(G_N_ELEMENTS(report_class_names) == CLASS_COUNT);

static const struct {
	const char	*name;
	int		 what;		/* REASON_DEAD, REASON_SENDER */
} report_reasons[] = {
	[REASON_UNDEFINED] = { "undefined", 0 },
	[REASON_USERUNKNOWN] = { "userunknown", REASON_DEAD },
	[REASON_HOSTUNKNOWN] = { "hostunknown", REASON_DEAD },
	[REASON_HASMOVED] = { "hasmoved", REASON_DEAD },
	[REASON_NOTACCEPT] = { "notaccept", REASON_DEAD },
	[REASON_MAILBOXFULL] = { "mailboxfull", 0 },
	[REASON_SUSPEND] = { "suspend", 0 },
	[REASON_FILTERED] = { "filtered", 0 },
	[REASON_BLOCKED] = { "blocked", REASON_SENDER },
	[REASON_BADREPUTATION] = { "badreputation", REASON_SENDER },
	[REASON_AUTHFAILURE] = { "authfailure", REASON_SENDER },
	[REASON_REQUIREPTR] = { "requireptr", REASON_SENDER },
	[REASON_SPAMDETECTED] = { "spamdetected", REASON_SENDER },
	[REASON_POLICYVIOLATION] = { "policyviolation", REASON_SENDER },
	[REASON_REJECTED] = { "rejected", REASON_SENDER },
	[REASON_NORELAYING] = { "norelaying", REASON_SENDER },
	[REASON_SECURITYERROR] = { "securityerror", REASON_SENDER },
	[REASON_FAILEDSTARTTLS] = { "failedstarttls", REASON_SENDER },
	[REASON_SPEEDING] = { "speeding", REASON_SENDER },
	[REASON_TOOMANYCONN] = { "toomanyconn", REASON_SENDER },
	[REASON_VIRUSDETECTED] = { "virusdetected", REASON_SENDER },
	[REASON_CONTENTERROR] = { "contenterror", REASON_SENDER },
	[REASON_NOTCOMPLIANTRFC] = { "notcompliantrfc", REASON_SENDER },
	[REASON_SYNTAXERROR] = { "syntaxerror", REASON_SENDER },
	[REASON_MESGTOOBIG] = { "mesgtoobig", REASON_SENDER },
	[REASON_EXCEEDLIMIT] = { "exceedlimit", REASON_SENDER },
	[REASON_EXPIRED] = { "expired", 0 },
	[REASON_NETWORKERROR] = { "networkerror", 0 },
	[REASON_SYSTEMERROR] = { "systemerror", 0 },
	[REASON_SYSTEMFULL] = { "systemfull", 0 },
	[REASON_MAILERERROR] = { "mailererror", 0 },
	[REASON_ONHOLD] = { "onhold", 0 },
	[REASON_SUPPRESSED] = { "suppressed", 0 },
	[REASON_DELIVERED] = { "delivered", 0 },
	[REASON_FEEDBACK] = { "feedback", 0 },
	[REASON_VACATION] = { "vacation", 0 },
};
G_STATIC_ASSERT(G_N_ELEMENTS(report_reasons) == REASON_COUNT);

static void
recipient_free(gpointer p)
{
	struct recipient *r = p;

	g_free(r->address);
	g_free(r->original);
	g_free(r->final);
	g_free(r->action);
	g_free(r->remote_mta);
	g_free(r->diagnostic);
	g_free(r->last_attempt);
	g_free(r->retry_until);
	g_free(r->category);
	g_free(r->decided);
	g_free(r);
}

struct report *
report_new(void)
{
	struct report *rp = g_new0(struct report, 1);

	rp->recipients = g_ptr_array_new_with_free_func(recipient_free);
	rp->max_recipients = G_MAXUINT;
	return rp;
}

void
report_free(struct report **rpp)
{
	struct report *rp = *rpp;

	if (rp == NULL)
		return;
	g_free(rp->subject);
	g_free(rp->from);
	g_free(rp->envelope_to);
	g_free(rp->to);
	g_free(rp->text);
	g_free(rp->reporting_mta);
	g_free(rp->arrival_date);
	g_free(rp->received);
	g_free(rp->envelope_id);
	g_free(rp->feedback_type);
	g_free(rp->orig_message_id);
	g_free(rp->orig_subject);
	g_free(rp->orig_from);
	g_free(rp->orig_to);
	g_free(rp->orig_list_id);
	g_free(rp->orig_list_post);
	g_free(rp->orig_return_path);
	g_free(rp->limit);
	g_ptr_array_unref(rp->recipients);
	g_free(rp);
	*rpp = NULL;
}

struct recipient *
report_add_recipient(struct report *rp)
{
	struct recipient *r = g_new0(struct recipient, 1);

	g_ptr_array_add(rp->recipients, r);
	return r;
}

const char *
report_kind_name(enum report_kind kind)
{
	switch (kind) {
	case REPORT_DSN:
		return "dsn";
	case REPORT_ARF:
		return "arf";
	case REPORT_AUTOREPLY:
		return "autoreply";
	case REPORT_HEURISTIC:
		return "heuristic";
	case REPORT_NONE:
		break;
	}
	return "none";
}

void
report_set(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

static const char *const report_confidence_names[] = {
	[CONFIDENCE_WEAK] = "weak",
	[CONFIDENCE_LIKELY] = "likely",
	[CONFIDENCE_CERTAIN] = "certain",
};

const char *
report_confidence_name(enum confidence confidence)
{
	if ((size_t)confidence >= G_N_ELEMENTS(report_confidence_names))
		return "weak";
	return report_confidence_names[confidence];
}

int
report_confidence_parse(const char *name, enum confidence *confidence_r)
{
	int i = vocab_find(report_confidence_names,
	    G_N_ELEMENTS(report_confidence_names), name);

	if (i < 0)
		return 0;
	*confidence_r = (enum confidence)i;
	return 1;
}

const char *
report_class_name(enum report_class class)
{
	g_return_val_if_fail((size_t)class < CLASS_COUNT, "soft");
	return report_class_names[class];
}

/* The class a name stands for; 0 if it names none. */
int
report_class_parse(const char *name, enum report_class *class_r)
{
	int i = vocab_find(report_class_names, CLASS_COUNT, name);

	if (i < 0)
		return 0;
	*class_r = (enum report_class)i;
	return 1;
}

char *
report_class_list(void)
{
	return vocab_join(report_class_names, CLASS_COUNT, "or");
}

const char *
report_reason_name(enum report_reason reason)
{
	g_return_val_if_fail((size_t)reason < REASON_COUNT, "undefined");
	return report_reasons[reason].name;
}

/* The reason a name stands for; 0 if it names none. */
int
report_reason_parse(const char *name, enum report_reason *reason_r)
{
	size_t i;

	for (i = 0; name != NULL && i < REASON_COUNT; i++)
		if (strcmp(report_reasons[i].name, name) == 0) {
			*reason_r = (enum report_reason)i;
			return 1;
		}
	return 0;
}

/* Does the reason say what (REASON_DEAD, REASON_SENDER)? */
int
report_reason_is(enum report_reason reason, int what)
{
	return (size_t)reason < REASON_COUNT &&
	    (report_reasons[reason].what & what) != 0;
}

char *
report_reason_list(void)
{
	const char *names[REASON_COUNT];
	size_t i;

	for (i = 0; i < REASON_COUNT; i++)
		names[i] = report_reasons[i].name;
	return vocab_join(names, REASON_COUNT, "or");
}

static int
report_same(const char *address, const char *other)
{
	g_autofree char *norm = addr_normalise(other);

	return norm != NULL && g_ascii_strcasecmp(address, norm) == 0;
}

/*
 * Is address the one a list's bounce address was made from?  List
 * managers derive it from the posting address on the same domain:
 * "news-bounces@", "news-owner@", "news-return-...@",
 * "news+bounces-...@", or a prefix before it ("bounces+news@").  A
 * plain "+tag" is a person's subaddress ("ann+lists@" is ann's own
 * mailbox), never a list's.  The bounce address itself is not: that
 * is report_same()'s.
 */
static int
report_bounce_of(const char *address, const char *bounce)
{
	g_autofree char *norm = addr_normalise(bounce);
	const char *at = strrchr(address, '@'), *bat;
	size_t n = at != NULL ? (size_t)(at - address) : 0, bn;

	if (norm == NULL || n == 0 || (bat = strrchr(norm, '@')) == NULL ||
	    g_ascii_strcasecmp(at, bat) != 0)
		return 0;
	bn = bat - norm;
	if (bn <= n + 1)
		return 0;
	if (g_ascii_strncasecmp(norm, address, n) == 0 && (norm[n] == '-' ||
	    g_ascii_strncasecmp(norm + n, "+bounce", 7) == 0 ||
	    g_ascii_strncasecmp(norm + n, "+owner", 6) == 0))
		return 1;
	return g_ascii_strncasecmp(bat - n, address, n) == 0 &&
	    strchr("-+=", bat[-(ptrdiff_t)n - 1]) != NULL;
}

/*
 * The list's own addresses, as the returned post and the bounce's
 * envelope tell them: its List-Id as list@domain (the returned To, when
 * it is the list, is that address), its List-Post, and its bounce
 * address: the returned post's Return-Path, the bounce's envelope
 * recipient (X-Original-To, Delivered-To) where the bounce is addressed
 * to it (its To:; some mail systems write the failed recipient in an
 * X-Original-To of their own).  The bounce address counts only where
 * the returned post shows it is a list's (List-Id or List-Post): a
 * person who wrote to themselves gets the bounce at the address that
 * failed.  A VERP-encoded bounce address (list-bounces+ann=example.org@...)
 * is never a subscriber's address, so comparing with it whole is safe.
 * Nor is the address such a bounce address was made from (its posting
 * address: report_bounce_of()), List-Id or not: old notices quote
 * little of the post.
 * None of them is ever a failed recipient: a list that posts to itself
 * or whose own bounce address refuses mail says nothing of any
 * subscriber.
 */
int
report_is_list_address(const struct report *rp, const char *address)
{
	g_autofree char *post = NULL;

	if (address == NULL || strchr(address, '@') == NULL)
		return 0;
	if (addr_is_list_id(address, rp->orig_list_id) ||
	    report_bounce_of(address, rp->orig_return_path) ||
	    report_bounce_of(address, rp->to))
		return 1;
	post = addr_mailto(rp->orig_list_post);
	if (post != NULL && g_ascii_strcasecmp(address, post) == 0)
		return 1;
	if (rp->orig_list_id == NULL && post == NULL)
		return 0;
	return report_same(address, rp->orig_return_path) ||
	    (rp->to != NULL && g_ascii_strcasecmp(address, rp->to) == 0 &&
	    report_same(address, rp->envelope_to));
}

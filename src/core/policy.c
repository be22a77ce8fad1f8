/*
 * policy.c: turn outcomes into "remove this address", and say why.
 *
 * A pure function of the policy and an address's history, applied to
 * one outcome at a time in time order, so that the store can keep the
 * addresses table current as outcomes arrive and "rebound prune
 * --dry-run --policy" can replay the same history under other values.
 *
 *  - hard bounces: dead at hard_threshold (default 1), but one whose
 *    confidence is at or below confirm_hard (default likely: all but a
 *    certain one) makes the address suspect, and only a second hard
 *    bounce on another day within soft_window days makes it dead; a
 *    delivery or "rebound forget" makes a suspect alive again;
 *  - complaints (ARF): complained at complaint_threshold (default 1);
 *  - soft bounces count at most once per day (UTC); the address is dead
 *    when soft_threshold distinct days (default 5) fall within
 *    soft_window days (default 30); soft_stale quiet days (default 7)
 *    with no soft bounce reset the count, as a delivery does;
 *  - delay notices, auto-replies and sender-side failures (the list's
 *    own server blocked, its reputation, its authentication) never count.
 * Dead and complained are final until "rebound forget".  A parser's
 * mistake or a provider's bad hour costs a suspect, not a subscriber.
 *
 * Probes ([probe], probe.h): when p->probe wants it for the verdict's
 * confidence, what would make an address dead makes it probing; only
 * the hard bounce of its own probe (class PROBE_CLASS_BOUNCED, which
 * the store gives a verified probe's bounce) makes it dead, and its
 * wait run out (PROBE_CLASS_EXPIRED) alive again, its soft days reset.
 * While it is probing, further bounces change nothing but a complaint.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "probe.h"
#include "vocab.h"

#define DAY	86400

static const char *const policy_state_names[] = {
	[STATE_ALIVE] = "alive",
	[STATE_SUSPECT] = "suspect",
	[STATE_DEAD] = "dead",
	[STATE_COMPLAINED] = "complained",
	[STATE_PROBING] = "probing",
};
G_STATIC_ASSERT(G_N_ELEMENTS(policy_state_names) == STATE_COUNT);

const char *
policy_state_name(enum policy_addr_state state)
{
	g_return_val_if_fail((size_t)state < STATE_COUNT, "alive");
	return policy_state_names[state];
}

/* The state a stored name stands for; 0 if it names none. */
int
policy_state_parse(const char *name, enum policy_addr_state *state_r)
{
	int i = vocab_find(policy_state_names, STATE_COUNT, name);

	if (i < 0)
		return 0;
	*state_r = (enum policy_addr_state)i;
	return 1;
}

void
policy_state_init(struct policy_state *s, const char *soft_days)
{
	g_auto(GStrv) days = NULL;
	int day;
	guint i;

	memset(s, 0, sizeof *s);
	s->state = STATE_ALIVE;
	s->soft_days = g_array_new(FALSE, FALSE, sizeof(int));
	if (soft_days == NULL || *soft_days == '\0')
		return;
	days = g_strsplit(soft_days, ",", 0);
	for (i = 0; days[i] != NULL; i++) {
		day = atoi(days[i]);
		g_array_append_val(s->soft_days, day);
	}
}

void
policy_state_clear(struct policy_state *s)
{
	g_free(s->state_reason);
	if (s->soft_days != NULL)
		g_array_free(s->soft_days, TRUE);
	memset(s, 0, sizeof *s);
}

/* The soft days as stored: "19700,19702". */
char *
policy_state_days(const struct policy_state *s)
{
	GString *out = g_string_new(NULL);
	guint i;

	for (i = 0; i < s->soft_days->len; i++)
		g_string_append_printf(out, "%s%d", i ? "," : "",
		    g_array_index(s->soft_days, int, i));
	return g_string_free(out, FALSE);
}

static void
policy_become(struct policy_state *s, enum policy_addr_state state,
    char *why)
{
	int open = s->state == STATE_ALIVE || s->state == STATE_SUSPECT ||
	    (s->state == STATE_PROBING && state != STATE_SUSPECT &&
	    state != STATE_PROBING);

	if (!open) {
		g_free(why);
		return;
	}
	s->state = state;
	g_free(s->state_reason);
	s->state_reason = why;
	if (state != STATE_SUSPECT)
		s->suspect_day = 0;
}

/* A verdict that makes s dead, or probing when p probes it first. */
static void
policy_dead(const struct policy *p, struct policy_state *s,
    enum confidence confidence, char *why)
{
	if (probe_wanted(p->probe, confidence)) {
		policy_become(s, STATE_PROBING, g_strdup_printf("probing: %s",
		    why));
		g_free(why);
	} else
		policy_become(s, STATE_DEAD, why);
}

/* A probe's answer: its hard bounce, or no bounce within its wait. */
static int
policy_probe(struct policy_state *s, const char *class, const char *reason)
{
	if (strcmp(class, PROBE_CLASS_BOUNCED) == 0) {
		policy_become(s, STATE_DEAD, g_strdup_printf("probe bounced: "
		    "%s", reason));
		return 1;
	}
	if (strcmp(class, PROBE_CLASS_EXPIRED) != 0)
		return 0;
	if (s->state == STATE_PROBING) {
		s->state = STATE_ALIVE;
		g_free(s->state_reason);
		s->state_reason = g_strdup(reason);
		g_array_set_size(s->soft_days, 0);
	}
	return 1;
}

/* Count one soft bounce on day: drop days out of the window or stale. */
static void
policy_soft(const struct policy *p, struct policy_state *s, int day)
{
	GArray *d = s->soft_days;
	int last = d->len ? g_array_index(d, int, d->len - 1) : 0;

	if (d->len > 0 && day - last > p->soft_stale)
		g_array_set_size(d, 0);
	while (d->len > 0 && g_array_index(d, int, 0) <= day - p->soft_window)
		g_array_remove_index(d, 0);
	if (d->len == 0 || g_array_index(d, int, d->len - 1) < day)
		g_array_append_val(d, day);
}

/*
 * A hard bounce that needs confirming: the first makes the address
 * suspect; one on another day within soft_window days makes it dead;
 * one after the window starts the wait again.
 */
static void
policy_unconfirmed(const struct policy *p, struct policy_state *s,
    const char *reason, enum confidence confidence, int day)
{
	if (s->state == STATE_SUSPECT && day != s->suspect_day &&
	    day - s->suspect_day < p->soft_window) {
		policy_dead(p, s, CONFIDENCE_WEAK, g_strdup_printf("hard "
		    "bounce confirmed on a second day: %s", reason));
		return;
	}
	if (s->state == STATE_SUSPECT && day == s->suspect_day)
		return;
	policy_become(s, STATE_SUSPECT, g_strdup_printf("hard bounce of %s "
	    "confidence, to be confirmed: %s",
	    report_confidence_name(confidence), reason));
	if (s->state == STATE_SUSPECT)
		s->suspect_day = day;
}

void
policy_apply(const struct policy *p, struct policy_state *s,
    const char *class_name, const char *reason, enum confidence confidence,
    gint64 at)
{
	int day = (int)(at / DAY);
	enum report_class class;

	if (policy_probe(s, class_name, reason) ||
	    !report_class_parse(class_name, &class))
		return;
	if (class == CLASS_DELIVERED) {
		g_array_set_size(s->soft_days, 0);
		if (s->state == STATE_SUSPECT) {
			s->state = STATE_ALIVE;
			g_clear_pointer(&s->state_reason, g_free);
			s->suspect_day = 0;
		}
		return;
	}
	if (class == CLASS_HARD) {
		s->hard++;
		if ((int)confidence <= p->confirm_hard)
			policy_unconfirmed(p, s, reason, confidence, day);
		else if (s->hard >= p->hard_threshold)
			policy_dead(p, s, confidence,
			    g_strdup_printf("hard bounce: %s", reason));
	} else if (class == CLASS_COMPLAINT) {
		s->complaints++;
		if (s->complaints >= p->complaint_threshold)
			policy_become(s, STATE_COMPLAINED,
			    g_strdup("complaint"));
	} else if (class == CLASS_SOFT) {
		s->soft++;
		policy_soft(p, s, day);
		if ((int)s->soft_days->len >= p->soft_threshold)
			policy_dead(p, s, CONFIDENCE_WEAK, g_strdup_printf(
			    "soft bounces on %u days within %d days, last: %s",
			    s->soft_days->len, p->soft_window, reason));
	}
}

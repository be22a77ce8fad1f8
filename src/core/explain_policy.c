/*
 * explain_policy.c: what the policy in force does with an outcome, for
 * "rebound explain": a hard one at each confidence it may reach (those
 * at or below confirm_hard wait for a second), the incident guard over
 * it, and the soft rule for a soft one.
 *
 * The words are made from struct policy, the values policy_apply()
 * reads, and name the keys that set them, so that an operator reads
 * what this installation does and which key to change.  Which
 * confidences a hard outcome may reach is the classifier's rule
 * (classify_may_be_certain()); the rest is policy.c's.  Pure: strings
 * out, nothing printed.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "classify.h"
#include "explain.h"
#include "probe.h"

/* When a hard outcome has each confidence (rebound(1), EVIDENCE). */
static const char *const explain_when[] = {
	[CONFIDENCE_WEAK] = "the verdict is only inferred (a bare reply code, "
	    "the report's general prose, a recipient the prose never speaks "
	    "of, a 4xx code)",
	[CONFIDENCE_LIKELY] = "one strong sign decides: the status code as "
	    "the reporting MTA wrote it, or words rebound knows",
	[CONFIDENCE_CERTAIN] = "the receiving server's own reply gives this "
	    "code and words that say the same",
};
G_STATIC_ASSERT(G_N_ELEMENTS(explain_when) == CONFIDENCE_CERTAIN + 1);

/* What the outcomes of a class that is not hard do to the address. */
static const char *const explain_class_does[CLASS_COUNT] = {
	[CLASS_SENDER] = "a failure of the sending side: never counts "
	    "against the address",
	[CLASS_DELAY] = "a delay notice: never counts",
	[CLASS_DELIVERED] = "a delivery: the address works; a suspect is "
	    "alive again and the soft count starts again",
	[CLASS_VACATION] = "an auto-reply: never counts",
};

/* Seconds as rebound.conf writes them: 90s, 5m, 1h, 30d. */
static char *
explain_span(gint64 seconds)
{
	if (seconds > 0 && seconds % 86400 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "d", seconds / 86400);
	if (seconds > 0 && seconds % 3600 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "h", seconds / 3600);
	if (seconds > 0 && seconds % 60 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "m", seconds / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "s", seconds);
}

/* A hard outcome of confidence c, the guard and probes aside. */
static char *
explain_hard_alone(const struct policy *p, enum confidence c,
    const char *dead)
{
	const char *confirm = policy_confirm_name(p->confirm_hard);

	if ((int)c <= p->confirm_hard)
		return g_strdup_printf("suspect until a second hard bounce on "
		    "another day within %d days makes it %s (confirm_hard = "
		    "%s, soft_window = %dd)", p->soft_window, dead, confirm,
		    p->soft_window);
	if (p->hard_threshold <= 1)
		return g_strdup_printf("%s at once (confirm_hard = %s, "
		    "hard_threshold = 1)", dead, confirm);
	return g_strdup_printf("%s once %d hard bounces are recorded "
	    "(confirm_hard = %s, hard_threshold = %d)", dead,
	    p->hard_threshold, confirm, p->hard_threshold);
}

/*
 * A hard outcome of confidence c, the guard aside: with [probe], what
 * would make it dead makes it probing, and its probe decides.
 */
static char *
explain_hard(const struct policy *p, enum confidence c)
{
	enum confidence decides = (int)c <= p->confirm_hard ?
	    CONFIDENCE_WEAK : c;
	g_autofree char *does = NULL;

	if (!probe_wanted(p->probe, decides))
		return explain_hard_alone(p, c, "dead");
	does = explain_hard_alone(p, c, "probing");
	return g_strdup_printf("%s; then its probe's own bounce makes it "
	    "dead, and no bounce within [probe] wait alive again ([probe] "
	    "when = %s)", does, probe_when_name(p->probe));
}

static char *
explain_guard(const struct guard_conf *g)
{
	g_autofree char *window = explain_span(g->window);
	g_autofree char *quiet = explain_span(g->quiet);

	if (!g->enabled)
		return g_strdup("off (guard.enabled = no): a provider's burst "
		    "of hard bounces counts like any other");
	return g_strdup_printf("unless the incident guard holds it: when more "
	    "than %d distinct addresses of its domain, or of its provider, "
	    "bounce hard within %s and more than %d times the usual rate, it "
	    "holds their hard bounces, and the group's next ones until %s "
	    "pass without one; a held bounce counts as soft unless an "
	    "operator confirms the incident (guard.enabled = yes, "
	    "guard.min_addresses = %d, guard.window = %s, guard.factor = %d, "
	    "guard.quiet = %s)", g->min_addresses, window, g->factor, quiet,
	    g->min_addresses, window, g->factor, quiet);
}

static char *
explain_soft(const struct policy *p)
{
	int probed = probe_wanted(p->probe, CONFIDENCE_WEAK);

	return g_strdup_printf("counts as a soft bounce, once a day: soft "
	    "bounces on %d distinct days within %d days make the address %s "
	    "(soft_threshold = %d, soft_window = %dd); a delivery, or %d days "
	    "without one, starts the count again (soft_stale = %dd)%s",
	    p->soft_threshold, p->soft_window, probed ? "probing" : "dead",
	    p->soft_threshold, p->soft_window, p->soft_stale, p->soft_stale,
	    probed ? "; a probing address is dead only if its probe bounces "
	    "([probe])" : "");
}

/*
 * Fill out with what policy p does with an outcome of verdict v for
 * status (one class, or "" for a reply code alone).  A hard one may be
 * weak or likely whatever its code, and certain only for a code the
 * classifier may call certain.
 */
void
explain_policy(const struct policy *p, const char *status,
    const struct explain_verdict *v, struct explain_policy *out)
{
	int c;

	memset(out, 0, sizeof *out);
	switch (v->class) {
	case CLASS_HARD:
		for (c = CONFIDENCE_WEAK; c <= CONFIDENCE_CERTAIN; c++) {
			g_autofree char *does = NULL;

			if (c == CONFIDENCE_CERTAIN &&
			    !classify_may_be_certain(status))
				continue;
			does = explain_hard(p, (enum confidence)c);
			out->at[c] = g_strdup_printf("%s. When %s.", does,
			    explain_when[c]);
		}
		out->alone = explain_hard(p, v->confidence);
		out->guard = explain_guard(&p->guard);
		break;
	case CLASS_SOFT:
		out->alone = explain_soft(p);
		break;
	case CLASS_COMPLAINT:
		out->alone = g_strdup_printf("complained at %d complaints "
		    "(complaint_threshold = %d)", p->complaint_threshold,
		    p->complaint_threshold);
		break;
	default:
		out->alone = g_strdup(explain_class_does[v->class] ?
		    explain_class_does[v->class] : "never counts");
		break;
	}
}

void
explain_policy_clear(struct explain_policy *out)
{
	size_t i;

	g_free(out->alone);
	for (i = 0; i < G_N_ELEMENTS(out->at); i++)
		g_free(out->at[i]);
	g_free(out->guard);
	memset(out, 0, sizeof *out);
}

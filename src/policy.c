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
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define DAY	86400

static const char *const policy_key_names[] = {
	"hard_threshold", "soft_threshold", "soft_window", "soft_stale",
	"complaint_threshold", "confirm_hard", NULL
};

static const char *const policy_confirm_names[] = { "weak", "likely" };

void
policy_defaults(struct policy *p)
{
	p->hard_threshold = 1;
	p->soft_threshold = 5;
	p->soft_window = 30;
	p->soft_stale = 7;
	p->complaint_threshold = 1;
	p->confirm_hard = POLICY_CONFIRM_LIKELY;
	guard_defaults(&p->guard);
}

/* none, weak or likely. */
static int
policy_confirm(const char *value, int *out)
{
	size_t i;

	if (strcmp(value, "none") == 0) {
		*out = POLICY_CONFIRM_NONE;
		return 1;
	}
	for (i = 0; i < G_N_ELEMENTS(policy_confirm_names); i++)
		if (strcmp(value, policy_confirm_names[i]) == 0) {
			*out = (int)i;
			return 1;
		}
	return 0;
}

const char *const *
policy_keys(void)
{
	return policy_key_names;
}

/* A count, or a number of days written "30" or "30d". */
static int
policy_number(const char *value, int days, int *out)
{
	char *end;
	long n = strtol(value, &end, 10);

	if (end == value || n < 1 || n > 100000)
		return 0;
	if (days && *end == 'd')
		end++;
	if (*end != '\0')
		return 0;
	*out = (int)n;
	return 1;
}

int
policy_set(struct policy *p, const char *key, const char *value,
    GError **error)
{
	int *slot = NULL, days = 0;

	if (strcmp(key, "confirm_hard") == 0) {
		if (policy_confirm(value, &p->confirm_hard))
			return 1;
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "policy confirm_hard: '%s' "
		    "is not none, weak or likely", value);
		return 0;
	}
	if (strcmp(key, "hard_threshold") == 0)
		slot = &p->hard_threshold;
	else if (strcmp(key, "soft_threshold") == 0)
		slot = &p->soft_threshold;
	else if (strcmp(key, "complaint_threshold") == 0)
		slot = &p->complaint_threshold;
	else if (strcmp(key, "soft_window") == 0)
		slot = &p->soft_window, days = 1;
	else if (strcmp(key, "soft_stale") == 0)
		slot = &p->soft_stale, days = 1;
	if (slot == NULL) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_KEY_NOT_FOUND, "unknown policy key '%s' "
		    "(known: hard_threshold, soft_threshold, soft_window, "
		    "soft_stale, complaint_threshold, confirm_hard)", key);
		return 0;
	}
	if (!policy_number(value, days, slot)) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "policy %s: '%s' is not %s",
		    key, value, days ? "a number of days (e.g. 30d)" :
		    "a positive number");
		return 0;
	}
	return 1;
}

void
policy_state_init(struct policy_state *s, const char *soft_days)
{
	g_auto(GStrv) days = NULL;
	int day;
	guint i;

	memset(s, 0, sizeof *s);
	g_strlcpy(s->state, "alive", sizeof s->state);
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
policy_become(struct policy_state *s, const char *state, char *why)
{
	if (strcmp(s->state, "alive") != 0 && strcmp(s->state, "suspect") != 0) {
		g_free(why);
		return;
	}
	g_strlcpy(s->state, state, sizeof s->state);
	g_free(s->state_reason);
	s->state_reason = why;
	if (strcmp(state, "suspect") != 0)
		s->suspect_day = 0;
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
	if (strcmp(s->state, "suspect") == 0 && day != s->suspect_day &&
	    day - s->suspect_day < p->soft_window) {
		policy_become(s, "dead", g_strdup_printf("hard bounce confirmed "
		    "on a second day: %s", reason));
		return;
	}
	if (strcmp(s->state, "suspect") == 0 && day == s->suspect_day)
		return;
	policy_become(s, "suspect", g_strdup_printf("hard bounce of %s "
	    "confidence, to be confirmed: %s",
	    report_confidence_name(confidence), reason));
	if (strcmp(s->state, "suspect") == 0)
		s->suspect_day = day;
}

void
policy_apply(const struct policy *p, struct policy_state *s,
    const char *class, const char *reason, enum confidence confidence,
    gint64 at)
{
	int day = (int)(at / DAY);

	if (strcmp(class, "delivered") == 0) {
		g_array_set_size(s->soft_days, 0);
		if (strcmp(s->state, "suspect") == 0) {
			g_strlcpy(s->state, "alive", sizeof s->state);
			g_clear_pointer(&s->state_reason, g_free);
			s->suspect_day = 0;
		}
		return;
	}
	if (strcmp(class, "hard") == 0) {
		s->hard++;
		if ((int)confidence <= p->confirm_hard)
			policy_unconfirmed(p, s, reason, confidence, day);
		else if (s->hard >= p->hard_threshold)
			policy_become(s, "dead", g_strdup_printf("hard bounce: %s",
			    reason));
	} else if (strcmp(class, "complaint") == 0) {
		s->complaints++;
		if (s->complaints >= p->complaint_threshold)
			policy_become(s, "complained", g_strdup("complaint"));
	} else if (strcmp(class, "soft") == 0) {
		s->soft++;
		policy_soft(p, s, day);
		if ((int)s->soft_days->len >= p->soft_threshold)
			policy_become(s, "dead", g_strdup_printf("soft bounces on "
			    "%u days within %d days, last: %s",
			    s->soft_days->len, p->soft_window, reason));
	}
}

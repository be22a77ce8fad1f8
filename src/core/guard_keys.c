/*
 * guard_keys.c: the incident guard's settings and vocabulary: the keys
 * of [guard] (one table for parsing, errors and defaults, which
 * rebound.conf and "rebound prune --policy guard.KEY=VALUE" both read),
 * the names of the kinds of group, and how the policy counts a held
 * outcome.  guard.c is the guard itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "vocab.h"

/* The keys of [guard]: one table for parsing, errors and defaults. */
enum guard_type { GUARD_BOOL, GUARD_COUNT, GUARD_SECONDS };

static const struct {
	const char	*key;
	enum guard_type	 type;
	size_t		 offset;
} guard_keys[] = {
	{ "enabled", GUARD_BOOL, G_STRUCT_OFFSET(struct guard_conf, enabled) },
	{ "window", GUARD_SECONDS, G_STRUCT_OFFSET(struct guard_conf, window) },
	{ "min_addresses", GUARD_COUNT,
	    G_STRUCT_OFFSET(struct guard_conf, min_addresses) },
	{ "factor", GUARD_COUNT, G_STRUCT_OFFSET(struct guard_conf, factor) },
	{ "baseline", GUARD_SECONDS,
	    G_STRUCT_OFFSET(struct guard_conf, baseline) },
	{ "quiet", GUARD_SECONDS, G_STRUCT_OFFSET(struct guard_conf, quiet) },
	{ "late", GUARD_SECONDS, G_STRUCT_OFFSET(struct guard_conf, late) },
};

void
guard_defaults(struct guard_conf *c)
{
	c->enabled = 1;
	c->window = 3600;
	c->min_addresses = 20;
	c->factor = 10;
	c->baseline = 30 * 86400;
	c->quiet = 6 * 3600;
	c->late = 7 * 3600;	/* the window and the quiet time */
}

/* A duration as the policy writes them: 30s, 5m, 1h, 30d. */
static int
guard_seconds(const char *value, gint64 *out)
{
	char *end;
	long long n = g_ascii_strtoll(value, &end, 10);
	int unit;

	if (end == value || n < 1 || n > 3650LL * 86400)
		return 0;
	switch (*end) {
	case 's': case '\0': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return 0;
	}
	if (*end != '\0' && end[1] != '\0')
		return 0;
	if (n * unit > 3650LL * 86400)
		return 0;
	*out = n * unit;
	return 1;
}

static int
guard_value(enum guard_type type, const char *value, void *slot)
{
	char *end;
	long n;

	switch (type) {
	case GUARD_BOOL:	/* guard_set() reads it with vocab_bool() */
		return 0;
	case GUARD_COUNT:
		n = strtol(value, &end, 10);
		if (end == value || *end != '\0' || n < 1 || n > 1000000)
			return 0;
		*(int *)slot = (int)n;
		return 1;
	case GUARD_SECONDS:
		return guard_seconds(value, slot);
	}
	return 0;
}

/* An unknown key: the error lists the table's. */
static void
guard_unknown_key(const char *key, GError **error)
{
	const char *names[G_N_ELEMENTS(guard_keys)];
	g_autofree char *list = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(guard_keys); i++)
		names[i] = guard_keys[i].key;
	list = vocab_join(names, G_N_ELEMENTS(names), NULL);
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
	    "unknown guard key '%s' (known: %s)", key, list);
}

int
guard_set(struct guard_conf *c, const char *key, const char *value,
    GError **error)
{
	static const char *const wants[] = {
		[GUARD_COUNT] = "a positive number",
		[GUARD_SECONDS] = "a duration (30s, 5m, 1h, 30d)",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(guard_keys); i++) {
		if (strcmp(key, guard_keys[i].key) != 0)
			continue;
		if (guard_keys[i].type == GUARD_BOOL) {
			if (vocab_bool(value, G_STRUCT_MEMBER_P(c,
			    guard_keys[i].offset), error))
				return 1;
			g_prefix_error(error, "guard %s: ", key);
			return 0;
		}
		if (guard_value(guard_keys[i].type, value,
		    G_STRUCT_MEMBER_P(c, guard_keys[i].offset)))
			return 1;
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "guard %s: '%s' is not %s",
		    key, value, wants[guard_keys[i].type]);
		return 0;
	}
	guard_unknown_key(key, error);
	return 0;
}

/* Whether key takes a boolean, and where in struct guard_conf its int is. */
int
guard_key_bool(const char *key, size_t *offset_r)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(guard_keys); i++)
		if (strcmp(key, guard_keys[i].key) == 0) {
			*offset_r = guard_keys[i].offset;
			return guard_keys[i].type == GUARD_BOOL;
		}
	return 0;
}

const char *const guard_kind_names[GUARD_KIND_COUNT] = {
	[GUARD_DOMAIN] = "domain",
	[GUARD_PROVIDER] = "provider",
};

const char *const guard_state_names[GUARD_STATE_COUNT] = {
	[GUARD_OPEN] = "open",
	[GUARD_CLOSED] = "closed",
	[GUARD_CONFIRMED] = "confirmed",
	[GUARD_DISCARDED] = "discarded",
};

const char *
guard_kind_name(enum guard_kind kind)
{
	return guard_kind_names[kind];
}

/*
 * How the policy counts an outcome of class held by an incident in
 * state: as soft while the incident is open or closed by itself, as
 * hard once an operator confirmed it, not at all (0) once one
 * discarded it.
 */
int
guard_counts_as(enum report_class class, enum guard_state state,
    enum report_class *as_r)
{
	*as_r = class;
	if (class != CLASS_HARD || state == GUARD_CONFIRMED)
		return 1;
	if (state == GUARD_DISCARDED)
		return 0;
	*as_r = CLASS_SOFT;
	return 1;
}

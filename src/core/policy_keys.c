/*
 * policy_keys.c: the keys of the policy, one table.
 *
 * Each key of [policy] in rebound.conf (and of "rebound prune --dry-run
 * --policy KEY=VALUE") is one row here: its name, the kind of value it
 * takes, its default as it would be written in rebound.conf, where it
 * goes in struct policy, and a line of help.  The defaults, conf.c's
 * check of a key, the error for an unknown one and prune's help all read
 * this table, as tmux's options-table.c drives its options; adding a key
 * is a row here and a field in struct policy.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "probe.h"
#include "vocab.h"

enum policy_kind {
	POLICY_NUMBER,		/* a positive count */
	POLICY_DAYS,		/* a number of days: 30 or 30d */
	POLICY_CONFIRM		/* none, weak or likely */
};

struct policy_key {
	const char	*name;
	enum policy_kind kind;
	const char	*value;		/* default, as in rebound.conf */
	size_t		 offset;	/* of its int in struct policy */
	const char	*help;
};

static const struct policy_key policy_keys[] = {
	{ "hard_threshold", POLICY_NUMBER, "1",
	  offsetof(struct policy, hard_threshold),
	  "hard bounces that make an address dead" },
	{ "soft_threshold", POLICY_NUMBER, "5",
	  offsetof(struct policy, soft_threshold),
	  "distinct days of soft bounces that make it dead ..." },
	{ "soft_window", POLICY_DAYS, "30d",
	  offsetof(struct policy, soft_window),
	  "... within so many days" },
	{ "soft_stale", POLICY_DAYS, "7d",
	  offsetof(struct policy, soft_stale),
	  "quiet days that start the soft count again" },
	{ "complaint_threshold", POLICY_NUMBER, "1",
	  offsetof(struct policy, complaint_threshold),
	  "complaints that make an address complained" },
	{ "confirm_hard", POLICY_CONFIRM, "likely",
	  offsetof(struct policy, confirm_hard),
	  "hard bounces needing a second" },
};

/* confirm_hard's values, from POLICY_CONFIRM_NONE (-1) on. */
static const char *const policy_confirm_names[] = {
	"none", "weak", "likely"
};
G_STATIC_ASSERT(POLICY_CONFIRM_NONE == -1 && POLICY_CONFIRM_WEAK == 0 &&
    POLICY_CONFIRM_LIKELY == 1);

/* The name of a value of confirm_hard, as rebound.conf writes it. */
const char *
policy_confirm_name(int confirm)
{
	g_return_val_if_fail(confirm >= POLICY_CONFIRM_NONE &&
	    confirm <= POLICY_CONFIRM_LIKELY, "none");
	return policy_confirm_names[confirm - POLICY_CONFIRM_NONE];
}

static const struct policy_key *
policy_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(policy_keys); i++)
		if (strcmp(policy_keys[i].name, name) == 0)
			return &policy_keys[i];
	return NULL;
}

int
policy_is_key(const char *key)
{
	return policy_key_find(key) != NULL;
}

/* "hard_threshold, ..., confirm_hard": the names, for an error. */
static char *
policy_key_names(void)
{
	const char *names[G_N_ELEMENTS(policy_keys)];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(policy_keys); i++)
		names[i] = policy_keys[i].name;
	return vocab_join(names, G_N_ELEMENTS(names), NULL);
}

/* One line a key, "  name=default  help", for "rebound prune --help". */
char *
policy_keys_help(void)
{
	GString *out = g_string_new(NULL);
	g_autofree char *confirm = vocab_join(policy_confirm_names,
	    G_N_ELEMENTS(policy_confirm_names), "or");
	char kv[64];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(policy_keys); i++) {
		g_snprintf(kv, sizeof kv, "%s=%s", policy_keys[i].name,
		    policy_keys[i].value);
		g_string_append_printf(out, "%s  %-24s %s%s%s",
		    i > 0 ? "\n" : "", kv, policy_keys[i].help,
		    policy_keys[i].kind == POLICY_CONFIRM ? ": " : "",
		    policy_keys[i].kind == POLICY_CONFIRM ? confirm : "");
	}
	return g_string_free(out, FALSE);
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

static int
policy_value(const struct policy_key *k, const char *value, int *slot,
    GError **error)
{
	g_autofree char *names = NULL;
	int i;

	if (k->kind == POLICY_CONFIRM) {
		if ((i = vocab_find(policy_confirm_names,
		    G_N_ELEMENTS(policy_confirm_names), value)) >= 0) {
			*slot = i + POLICY_CONFIRM_NONE;
			return 1;
		}
		names = vocab_join(policy_confirm_names,
		    G_N_ELEMENTS(policy_confirm_names), "or");
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "policy %s: '%s' is not %s",
		    k->name, value, names);
		return 0;
	}
	if (policy_number(value, k->kind == POLICY_DAYS, slot))
		return 1;
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
	    "policy %s: '%s' is not %s", k->name, value,
	    k->kind == POLICY_DAYS ? "a number of days (e.g. 30d)" :
	    "a positive number");
	return 0;
}

int
policy_set(struct policy *p, const char *key, const char *value,
    GError **error)
{
	const struct policy_key *k = policy_key_find(key);
	g_autofree char *known = NULL;

	if (k == NULL) {
		known = policy_key_names();
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_KEY_NOT_FOUND, "unknown policy key '%s' "
		    "(known: %s)", key, known);
		return 0;
	}
	return policy_value(k, value, (int *)((char *)p + k->offset), error);
}

/*
 * One "KEY=VALUE" of --policy (prune, explain): a key of [policy], or
 * "guard.KEY" for one of [guard], each read as rebound.conf reads it.
 */
int
policy_override(struct policy *p, const char *spec, GError **error)
{
	g_auto(GStrv) kv = g_strsplit(spec, "=", 2);

	if (kv[0] == NULL || kv[1] == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "--policy '%s': not KEY=VALUE (e.g. soft_threshold=3)",
		    spec);
		return 0;
	}
	g_strstrip(kv[0]);
	g_strstrip(kv[1]);
	if (g_str_has_prefix(kv[0], "guard."))
		return guard_set(&p->guard, kv[0] + 6, kv[1], error);
	return policy_set(p, kv[0], kv[1], error);
}

void
policy_defaults(struct policy *p)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(policy_keys); i++)
		if (!policy_set(p, policy_keys[i].name, policy_keys[i].value,
		    NULL))
			g_error("policy_keys.c: %s: bad default '%s'",
			    policy_keys[i].name, policy_keys[i].value);
	guard_defaults(&p->guard);
	/* Not a key: [probe] sets it, with a relay (conf_probe.c). */
	p->probe = PROBE_NEVER;
}

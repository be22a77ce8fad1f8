/*
 * conf_hook.c: the [hook NAME] groups of rebound.conf, each a receiver
 * of events (webhook, mailman3, listmonk), and [hooks], what they share.
 *
 * The kinds and the keys are two tables: a kind says which event types
 * it takes by default and what it cannot go without (a webhook's
 * secret, a list manager's login); a key says how its value is read.
 * A list manager (mailman3, listmonk) takes address.dead and
 * address.complained only: nothing else is a reason to act on a
 * subscriber, and a suspect address must never lose one.
 * A value that does not parse, an unknown key or kind, a URL that is
 * not http(s) and a missing key a kind needs are refused; conf.c adds
 * the file, the line and the key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "revent.h"
#include "vocab.h"

#define CONF_HOOK_ACTIONS	"address.dead,address.complained"
#define CONF_HOOK_MAX_ACTIONS	100	/* max_actions_per_hour */

/*
 * Each kind as the configuration knows it, one line a kind: what it
 * takes by default and at most, what it cannot go without.  How it
 * delivers is reboundd's (hook_int.h's struct hook_backend, in the
 * kind's hook_*.c): the rebound command reads these without it.
 */
static const struct {
	const char	*name;
	const char	*types;		/* by default, and at most; NULL: any */
	int		 secret;	/* needs a secret */
	int		 login;		/* needs user and password */
} conf_hook_kinds[] = {
	[CONF_HOOK_WEBHOOK] = { "webhook", NULL, 1, 0 },
	[CONF_HOOK_MAILMAN3] = { "mailman3", CONF_HOOK_ACTIONS, 0, 1 },
	[CONF_HOOK_LISTMONK] = { "listmonk", CONF_HOOK_ACTIONS, 0, 1 },
};
G_STATIC_ASSERT(G_N_ELEMENTS(conf_hook_kinds) == CONF_HOOK_KINDS);

static const char *const conf_hook_action_names[] = {
	[CONF_HOOK_REMOVE] = "remove",
	[CONF_HOOK_DISABLE] = "disable",
};

/* The kinds' names, in the order of the enum, for vocab.h. */
static void
conf_hook_kind_names(const char **names)
{
	size_t i;

	for (i = 0; i < CONF_HOOK_KINDS; i++)
		names[i] = conf_hook_kinds[i].name;
}

/* "webhook, mailman3 or listmonk", from the table. */
static char *
conf_hook_kind_list(void)
{
	const char *names[CONF_HOOK_KINDS];

	conf_hook_kind_names(names);
	return vocab_join(names, CONF_HOOK_KINDS, "or");
}

/* One of names[0..n) into *slot (an enum), or an error listing them. */
static int
conf_hook_word(const char *const *names, size_t n, const char *value,
    unsigned int *slot, GError **error)
{
	g_autofree char *known = NULL;
	int i = vocab_find(names, n, value);

	if (i >= 0) {
		*slot = (unsigned int)i;
		return 1;
	}
	known = vocab_join(names, n, "or");
	return conf_invalid(error, "'%s' is not %s", value, known);
}

static int conf_hook_set_types(struct conf_hook *, const char *, GError **);

/* The kind, and the types it takes by default (kind is read first). */
static int
conf_hook_kind(struct conf_hook *h, const char *value, GError **error)
{
	const char *names[CONF_HOOK_KINDS];

	conf_hook_kind_names(names);
	if (!conf_hook_word(names, CONF_HOOK_KINDS, value, &h->kind, error))
		return 0;
	return conf_hook_set_types(h, conf_hook_kinds[h->kind].types ?
	    conf_hook_kinds[h->kind].types : "", error);
}

/* http:// or https://, with a host: anything else is a typo. */
static int
conf_hook_url(struct conf_hook *h, const char *value, GError **error)
{
	return conf_set_net_url(&h->url, value, "http", "https", error);
}

static int
conf_hook_secret(struct conf_hook *h, const char *value, GError **error)
{
	return conf_set_string(&h->secret, value);
}

static int
conf_hook_user(struct conf_hook *h, const char *value, GError **error)
{
	return conf_set_string(&h->user, value);
}

static int
conf_hook_password(struct conf_hook *h, const char *value, GError **error)
{
	return conf_set_string(&h->password, value);
}

static int
conf_hook_action(struct conf_hook *h, const char *value, GError **error)
{
	return conf_hook_word(conf_hook_action_names,
	    G_N_ELEMENTS(conf_hook_action_names), value, &h->action, error);
}

/* Whether a hook of h's kind may take events of type t. */
static int
conf_hook_type_ok(const struct conf_hook *h, const char *t, GError **error)
{
	const char *only = conf_hook_kinds[h->kind].types;
	g_autofree char *known = NULL, *comma = NULL, *list = NULL;

	if (!revent_type_known(t)) {
		known = revent_type_list();
		return conf_invalid(error, "'%s' is not an event type "
		    "(%s)", t, known);
	}
	if (only == NULL)
		return 1;
	comma = g_strdup_printf(",%s,", t);
	list = g_strdup_printf(",%s,", only);
	if (strstr(list, comma) != NULL)
		return 1;
	return conf_invalid(error, "a %s hook acts on %s only, not on %s",
	    conf_hook_kinds[h->kind].name, only, t);
}

/*
 * A comma list of event types; "all" (or nothing) is every one, which
 * only a webhook takes.
 */
static int
conf_hook_set_types(struct conf_hook *h, const char *value, GError **error)
{
	g_auto(GStrv) types = g_strsplit(value, ",", -1);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	guint i;

	for (i = 0; strcmp(value, "all") != 0 && types[i] != NULL; i++) {
		char *t = g_strstrip(types[i]);

		if (*t == '\0')
			continue;
		if (!conf_hook_type_ok(h, t, error)) {
			g_ptr_array_free(out, TRUE);
			return 0;
		}
		g_ptr_array_add(out, g_strdup(t));
	}
	g_strfreev(h->types);
	h->types = NULL;
	if (out->len == 0) {
		g_ptr_array_free(out, TRUE);
		if (conf_hook_kinds[h->kind].types != NULL)
			return conf_invalid(error, "a %s hook acts on %s "
			    "only, not on all", conf_hook_kinds[h->kind].name,
			    CONF_HOOK_ACTIONS);
		return 1;
	}
	g_ptr_array_add(out, NULL);
	h->types = (char **)g_ptr_array_free(out, FALSE);
	return 1;
}

/* 0 (no limit) to a million; CONF_HOOK_MAX_ACTIONS unless set. */
static int
conf_hook_max_actions(struct conf_hook *h, const char *value, GError **error)
{
	guint64 n;

	if (!g_ascii_string_to_unsigned(value, 10, 0, 1000000, &n, NULL))
		return conf_invalid(error, "'%s' is not a number from 0 "
		    "(no limit) to 1000000", value);
	h->max_actions = (int)n;
	return 1;
}

/*
 * The keys of [hook NAME]; kind is read first, the others in any order.
 * A key without a setter is a boolean (vocab_bool()) at offset.
 */
static const struct {
	const char	*key;
	int		(*set)(struct conf_hook *, const char *, GError **);
	size_t		 offset;
} conf_hook_keys[] = {
	{ "kind", conf_hook_kind, 0 },
	{ "url", conf_hook_url, 0 },
	{ "secret", conf_hook_secret, 0 },
	{ "user", conf_hook_user, 0 },
	{ "password", conf_hook_password, 0 },
	{ "action", conf_hook_action, 0 },
	{ "types", conf_hook_set_types, 0 },
	{ "dry_run", NULL, G_STRUCT_OFFSET(struct conf_hook, dry_run) },
	{ "max_actions_per_hour", conf_hook_max_actions, 0 },
};

/* Append the boolean keys of [hook NAME] to keys (conf_bool_keys()). */
void
conf_hook_bool_keys(GArray *keys)
{
	struct conf_bool_key k = { "hook", NULL, 0 };
	guint i;

	for (i = 0; i < G_N_ELEMENTS(conf_hook_keys); i++)
		if (conf_hook_keys[i].set == NULL) {
			k.key = conf_hook_keys[i].key;
			k.offset = conf_hook_keys[i].offset;
			g_array_append_val(keys, k);
		}
}

void
conf_hook_free(struct conf_hook *h)
{
	if (h == NULL)
		return;
	g_free(h->name);
	g_free(h->url);
	g_free(h->secret);
	g_free(h->user);
	g_free(h->password);
	g_strfreev(h->types);
	g_free(h);
}

const char *
conf_hook_kind_name(enum conf_hook_kind kind)
{
	return conf_hook_kinds[kind].name;
}

/*
 * The event types hook h takes, as store_hook_queue() filters them in
 * SQL: a comma list, or NULL for every type.
 */
char *
conf_hook_types(const struct conf_hook *h)
{
	return h->types != NULL ? g_strjoinv(",", h->types) : NULL;
}

/* A name for metrics labels and the database: letters, digits, - _ . */
static int
conf_hook_name_ok(const char *name)
{
	const char *p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && strchr("-_.", *p) == NULL)
			return 0;
	return 1;
}

/* What a kind cannot go without; the key that is missing, or NULL. */
static const char *
conf_hook_missing(const struct conf_hook *h)
{
	if (h->url == NULL)
		return "url";
	if (conf_hook_kinds[h->kind].secret && h->secret == NULL)
		return "secret";
	if (conf_hook_kinds[h->kind].login && h->user == NULL)
		return "user";
	if (conf_hook_kinds[h->kind].login && h->password == NULL)
		return "password";
	return NULL;
}

static int
conf_hook_set(void *item, const char *key, const char *value, GError **error)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(conf_hook_keys); i++) {
		if (strcmp(conf_hook_keys[i].key, key) != 0)
			continue;
		if (conf_hook_keys[i].set == NULL)
			return vocab_bool(value, G_STRUCT_MEMBER_P(item,
			    conf_hook_keys[i].offset), error);
		return conf_hook_keys[i].set(item, value, error);
	}
	return conf_invalid(error, "unknown key");
}

static const struct conf_group conf_hook_reader = {
	conf_hook_set, conf_hook_kind_list
};

/* Whether h has what its kind needs, and a name of its own. */
static int
conf_hook_check(const struct conf *c, const struct conf_hook *h,
    GError **error)
{
	const char *missing = conf_hook_missing(h);
	guint i;

	if (missing != NULL)
		return conf_invalid(error, "%s: missing (a %s hook needs one)",
		    missing, conf_hook_kinds[h->kind].name);
	for (i = 0; i < c->hooks.list->len; i++)
		if (strcmp(((struct conf_hook *)c->hooks.list->pdata[i])->name,
		    h->name) == 0)
			return conf_invalid(error, "hook %s twice", h->name);
	return 1;
}

/*
 * Read the group "hook NAME" of kf into c->hooks.list.  On error, *key_r is
 * the key at fault (NULL: the group itself).
 */
int
conf_hook_group(struct conf *c, GKeyFile *kf, const char *group,
    const char **key_r, GError **error)
{
	struct conf_hook *h = g_new0(struct conf_hook, 1);

	*key_r = NULL;
	h->max_actions = CONF_HOOK_MAX_ACTIONS;
	h->name = g_strstrip(g_strdup(group + strlen("hook")));
	if (!conf_hook_name_ok(h->name))
		conf_invalid(error, "'%s' is not a hook name (letters, "
		    "digits, '-', '_', '.')", h->name);
	else if (conf_group_read(&conf_hook_reader, h, kf, group, key_r,
	    error) && conf_hook_check(c, h, error)) {
		g_ptr_array_add(c->hooks.list, h);
		return 1;
	}
	conf_hook_free(h);
	return 0;
}

/* [hooks]: max_age, connect_timeout, timeout, lease. */
int
conf_hooks_set(struct conf *c, const char *key, const char *value,
    GError **error)
{
	if (strcmp(key, "max_age") == 0)
		return conf_duration(value, 1, 366 * 86400, &c->hooks.max_age,
		    error);
	if (strcmp(key, "connect_timeout") == 0)
		return conf_duration(value, 1, 300, &c->hooks.connect_timeout,
		    error);
	if (strcmp(key, "lease") == 0)
		return conf_duration(value, 1, 86400, &c->hooks.lease, error);
	return conf_duration(value, 1, 3600, &c->hooks.timeout, error);
}

void
conf_hook_defaults(struct conf *c)
{
	c->hooks.list = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)conf_hook_free);
	c->hooks.max_age = 3 * 86400;
	c->hooks.connect_timeout = 10;
	c->hooks.timeout = 30;
	c->hooks.lease = 60;
}

/*
 * conf.c: read rebound.conf (GKeyFile INI) into a struct conf.
 *
 * Every key has a default (conf_defaults); the file only overrides.
 * An unknown group or key, or a value that does not parse, is refused
 * with the file, the line and the key: a typo must not silently leave
 * a default in force.  etc/rebound.conf documents every key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "provider.h"

struct conf_key {
	const char	*group;
	const char	*key;		/* NULL: the policy's (policy_keys.c) */
	int		(*set)(struct conf *, const char *, const char *,
			    GError **);
};

static int
conf_set_path(struct conf *c, const char *key, const char *value,
    GError **error)
{
	g_free(c->store.path);
	c->store.path = g_strdup(value);
	return 1;
}

/* [store] url: a libpq URI or key=value string (conf_store.c). */
static int
conf_set_url(struct conf *c, const char *key, const char *value,
    GError **error)
{
	if (!conf_store_check(value, 1, error))
		return 0;
	g_free(c->store.url);
	c->store.url = g_strdup(value);
	return 1;
}

/*
 * [store] node: the name each outcome records as the one that took it.
 * Shown in one column of list and show: one line, printable, short.
 */
static int
conf_set_node(struct conf *c, const char *key, const char *value,
    GError **error)
{
	const char *p;

	for (p = value; *p != '\0'; p++)
		if (!g_ascii_isgraph(*p))
			break;
	if (*value == '\0' || *p != '\0' || p - value > CONF_NODE_MAX) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "want a name of 1 "
		    "to %d printable characters, no space, not '%s'",
		    CONF_NODE_MAX, value);
		return 0;
	}
	g_free(c->store.node);
	c->store.node = g_strdup(value);
	return 1;
}

static int
conf_set_sync(struct conf *c, const char *key, const char *value,
    GError **error)
{
	if (g_ascii_strcasecmp(value, "full") == 0)
		c->store.sync_full = 1;
	else if (g_ascii_strcasecmp(value, "normal") == 0)
		c->store.sync_full = 0;
	else {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE,
		    "'%s' is not full or normal", value);
		return 0;
	}
	return 1;
}

static int
conf_int(const char *value, int min, int max, int *out, GError **error)
{
	char *end;
	long n = strtol(value, &end, 10);

	if (end == value || *end != '\0' || n < min || n > max) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE,
		    "'%s' is not a number from %d to %d", value, min, max);
		return 0;
	}
	*out = (int)n;
	return 1;
}

/* A count of bytes, plain digits as max_message_size takes them. */
static int
conf_bytes(const char *value, guint64 min, guint64 max, guint64 *out,
    GError **error)
{
	if (!g_ascii_string_to_unsigned(value, 10, min, max, out, NULL)) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE,
		    "'%s' is not a number of bytes from %" G_GUINT64_FORMAT
		    " to %" G_GUINT64_FORMAT, value, min, max);
		return 0;
	}
	return 1;
}

static int
conf_set_busy(struct conf *c, const char *key, const char *value,
    GError **error)
{
	return conf_int(value, 0, 3600000, &c->store.busy_timeout, error);
}

static int
conf_set_batch(struct conf *c, const char *key, const char *value,
    GError **error)
{
	return conf_int(value, 1, 100000, &c->store.batch, error);
}

static int
conf_set_policy(struct conf *c, const char *key, const char *value,
    GError **error)
{
	return policy_set(&c->policy, key, value, error);
}

static int
conf_set_verp(struct conf *c, const char *key, const char *value,
    GError **error)
{
	if (strlen(value) != 1 || g_ascii_isalnum(value[0]) || value[0] == '@') {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE,
		    "'%s' is not one punctuation character", value);
		return 0;
	}
	if (strcmp(key, "delimiter") == 0)
		c->verp.delimiter = value[0];
	else
		c->verp.equals = value[0];
	return 1;
}

/* A folder inside the maildir: one path component, not . or .. */
static int
conf_folder(const char *value, GError **error)
{
	if (strchr(value, '/') != NULL || *value == '\0' ||
	    strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE,
		    "'%s' is not a folder name (such as .NotBounce)", value);
		return 0;
	}
	return 1;
}

static int
conf_set_maildir(struct conf *c, const char *key, const char *value,
    GError **error)
{
	if (strcmp(key, "path") == 0)
		return conf_set_string(&c->maildir.path, value);
	if (strcmp(key, "other") == 0)
		return conf_folder(value, error) &&
		    conf_set_string(&c->maildir.other, value);
	if (strcmp(key, "max_message_size") == 0)
		return conf_int(value, 1024, 1 << 30, &c->maildir.max_size,
		    error);
	/* done: cur, delete, or a folder */
	c->maildir.delete = strcmp(value, "delete") == 0;
	g_clear_pointer(&c->maildir.done, g_free);
	if (c->maildir.delete || strcmp(value, "cur") == 0)
		return 1;
	if (!conf_folder(value, error)) {
		g_prefix_error(error, "not cur, delete or a folder: ");
		return 0;
	}
	return conf_set_string(&c->maildir.done, value);
}

/* "unix:/path" or "host:port", separated by commas or semicolons. */
static int
conf_set_listen(struct conf *c, const char *key, const char *value,
    GError **error)
{
	g_auto(GStrv) specs = g_strsplit_set(value, ",;", -1);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	guint i;

	for (i = 0; specs[i] != NULL; i++) {
		char *spec = g_strstrip(specs[i]);

		if (*spec == '\0')
			continue;
		if (!g_str_has_prefix(spec, "unix:/") && strrchr(spec, ':') == NULL) {
			g_ptr_array_free(out, TRUE);
			g_set_error(error, G_KEY_FILE_ERROR,
			    G_KEY_FILE_ERROR_INVALID_VALUE, "'%s' is neither "
			    "unix:/path nor host:port", spec);
			return 0;
		}
		g_ptr_array_add(out, g_strdup(spec));
	}
	g_ptr_array_add(out, NULL);
	g_strfreev(c->lmtp.listen);
	c->lmtp.listen = (char **)g_ptr_array_free(out, FALSE);
	return 1;
}

static int
conf_set_lmtp(struct conf *c, const char *key, const char *value,
    GError **error)
{
	char *end;
	long mode;

	if (strcmp(key, "socket_group") == 0)
		return conf_set_string(&c->lmtp.socket_group, value);
	if (strcmp(key, "other") == 0)
		return conf_set_string(&c->lmtp.other, value);
	if (strcmp(key, "socket_mode") == 0) {
		mode = strtol(value, &end, 8);
		if (end == value || *end != '\0' || mode < 0 || mode > 0777) {
			g_set_error(error, G_KEY_FILE_ERROR,
			    G_KEY_FILE_ERROR_INVALID_VALUE,
			    "'%s' is not an octal mode such as 0660", value);
			return 0;
		}
		c->lmtp.socket_mode = (int)mode;
		return 1;
	}
	if (strcmp(key, "max_sessions") == 0)
		return conf_int(value, 1, 100000, &c->lmtp.max_sessions, error);
	if (strcmp(key, "max_message_size") == 0)
		return conf_int(value, 1024, 1 << 30, &c->lmtp.max_size, error);
	if (strcmp(key, "reply_timeout") == 0)
		return conf_int(value, 1, 3600, &c->lmtp.reply_timeout, error);
	if (strcmp(key, "data_timeout") == 0)
		return conf_int(value, 1, 86400, &c->lmtp.data_timeout, error);
	if (strcmp(key, "max_buffered") == 0)
		return conf_bytes(value, 1024, MIN((guint64)G_MAXSIZE / 2,
		    G_GUINT64_CONSTANT(1) << 40), &c->lmtp.max_buffered, error);
	return conf_int(value, 1, 86400, &c->lmtp.idle_timeout, error);
}

/* [intake] dating, by enum conf_dating. */
static const char *const conf_datings[] = {
	[DATING_BOUNCE] = "bounce",
	[DATING_ARRIVAL] = "arrival",
	[DATING_DATE] = "date",
};

static int
conf_set_intake(struct conf *c, const char *key, const char *value,
    GError **error)
{
	guint i;

	if (strcmp(key, "batch") == 0)
		return conf_int(value, 1, 100000, &c->intake.batch, error);
	if (strcmp(key, "dating") == 0) {
		for (i = 0; i < G_N_ELEMENTS(conf_datings); i++)
			if (strcmp(value, conf_datings[i]) == 0) {
				c->intake.dating = (enum conf_dating)i;
				return 1;
			}
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE,
		    "'%s' is not bounce, arrival or date", value);
		return 0;
	}
	return conf_int(value, 0, 10000, &c->intake.delay, error);
}

/* [guard]: the incident guard's keys (guard.c judges them). */
static int
conf_set_guard(struct conf *c, const char *key, const char *value,
    GError **error)
{
	if (strcmp(key, "late") == 0)
		c->guard.late_set = 1;
	return guard_set(&c->policy.guard, key, value, error);
}

/* [guard] providers: a file of providers.tab's lines, read now. */
static int
conf_set_providers(struct conf *c, const char *key, const char *value,
    GError **error)
{
	GHashTable *t = provider_load(value, error);

	if (t == NULL)
		return 0;
	if (c->guard.providers != NULL)
		g_hash_table_unref(c->guard.providers);
	c->guard.providers = t;
	return 1;
}

/* [limits]: what one message may make the parser do. */
static int
conf_set_limits(struct conf *c, const char *key, const char *value,
    GError **error)
{
	struct parse_limits *l = &c->limits;
	int n;

	if (strcmp(key, "header_bytes") == 0) {
		if (!conf_int(value, 1024, 64 << 20, &n, error))
			return 0;
		l->header_bytes = (gsize)n;
		return 1;
	}
	if (!conf_int(value, 1, strcmp(key, "mime_depth") == 0 ? 1000 :
	    1000000, &n, error))
		return 0;
	if (strcmp(key, "recipients") == 0)
		l->recipients = (guint)n;
	else if (strcmp(key, "mime_depth") == 0)
		l->depth = (guint)n;
	else
		l->parts = (guint)n;
	return 1;
}

/*
 * [events] delay: seconds an address.dead event waits, at most 30 days;
 * unset, the guard's window (conf_settle()).
 */
static int
conf_set_events(struct conf *c, const char *key, const char *value,
    GError **error)
{
	return conf_int(value, 0, 30 * 86400, &c->events.delay, error);
}

static int
conf_set_metrics(struct conf *c, const char *key, const char *value,
    GError **error)
{
	return conf_set_string(&c->metrics.listen, value);
}

static int
conf_set_user(struct conf *c, const char *key, const char *value,
    GError **error)
{
	return conf_set_string(&c->daemon.user, value);
}

static const struct conf_key conf_keys[] = {
	{ "store", "path", conf_set_path },
	{ "store", "url", conf_set_url },
	{ "store", "synchronous", conf_set_sync },
	{ "store", "busy_timeout", conf_set_busy },
	{ "store", "batch", conf_set_batch },
	{ "store", "node", conf_set_node },
	{ "policy", NULL, conf_set_policy },	/* policy_keys.c's keys */
	{ "verp", "delimiter", conf_set_verp },
	{ "verp", "equals", conf_set_verp },
	{ "maildir", "path", conf_set_maildir },
	{ "maildir", "done", conf_set_maildir },
	{ "maildir", "other", conf_set_maildir },
	{ "maildir", "max_message_size", conf_set_maildir },
	{ "lmtp", "listen", conf_set_listen },
	{ "lmtp", "socket_mode", conf_set_lmtp },
	{ "lmtp", "socket_group", conf_set_lmtp },
	{ "lmtp", "max_sessions", conf_set_lmtp },
	{ "lmtp", "max_message_size", conf_set_lmtp },
	{ "lmtp", "idle_timeout", conf_set_lmtp },
	{ "lmtp", "other", conf_set_lmtp },
	{ "lmtp", "reply_timeout", conf_set_lmtp },
	{ "lmtp", "data_timeout", conf_set_lmtp },
	{ "lmtp", "max_buffered", conf_set_lmtp },
	{ "intake", "batch", conf_set_intake },
	{ "intake", "delay", conf_set_intake },
	{ "intake", "dating", conf_set_intake },
	{ "guard", "enabled", conf_set_guard },
	{ "guard", "window", conf_set_guard },
	{ "guard", "min_addresses", conf_set_guard },
	{ "guard", "factor", conf_set_guard },
	{ "guard", "baseline", conf_set_guard },
	{ "guard", "quiet", conf_set_guard },
	{ "guard", "late", conf_set_guard },
	{ "guard", "providers", conf_set_providers },
	{ "limits", "recipients", conf_set_limits },
	{ "limits", "mime_depth", conf_set_limits },
	{ "limits", "mime_parts", conf_set_limits },
	{ "limits", "header_bytes", conf_set_limits },
	{ "events", "delay", conf_set_events },
	{ "metrics", "listen", conf_set_metrics },
	{ "http", "listen", conf_http_set },
	{ "http", "max_body_size", conf_http_set },
	{ "http", "max_header_size", conf_http_set },
	{ "http", "read_timeout", conf_http_set },
	{ "http", "max_requests", conf_http_set },
	{ "http", "max_connections", conf_http_set },
	{ "daemon", "user", conf_set_user },
	{ "hooks", "max_age", conf_hooks_set },
	{ "hooks", "connect_timeout", conf_hooks_set },
	{ "hooks", "timeout", conf_hooks_set },
	{ "hooks", "lease", conf_hooks_set },
	{ "probe", "relay", conf_probe_set },
	{ "probe", "user", conf_probe_set },
	{ "probe", "password", conf_probe_set },
	{ "probe", "address", conf_probe_set },
	{ "probe", "secret", conf_probe_set },
	{ "probe", "when", conf_probe_set },
	{ "probe", "from", conf_probe_set },
	{ "probe", "subject", conf_probe_set },
	{ "probe", "template", conf_probe_set },
	{ "probe", "wait", conf_probe_set },
	{ "probe", "max_per_hour", conf_probe_set },
};

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof *c);
	c->store.path = g_strdup(CONF_DB_DEFAULT);
	c->store.sync_full = 1;
	c->store.busy_timeout = 5000;
	c->store.batch = 5000;
	c->store.node = g_strdup(g_get_host_name());
	policy_defaults(&c->policy);
	verp_defaults(&c->verp);
	parse_limits_defaults(&c->limits);
	c->maildir.other = g_strdup(".NotBounce");
	c->lmtp.listen = g_new0(char *, 1);
	c->lmtp.socket_mode = 0660;
	c->lmtp.max_sessions = 100;
	c->lmtp.max_size = 10 * 1024 * 1024;
	c->maildir.max_size = 10 * 1024 * 1024;
	c->lmtp.idle_timeout = 300;
	c->lmtp.reply_timeout = 60;
	c->lmtp.data_timeout = 600;
	c->lmtp.max_buffered = 256 * 1024 * 1024;
	c->intake.batch = 200;
	c->intake.delay = 0;
	c->intake.dating = DATING_BOUNCE;
	c->events.delay = -1;	/* conf_settle() */
	conf_hook_defaults(c);
	conf_http_defaults(c);
	probe_defaults(&c->probe);
}

void
conf_clear(struct conf *c)
{
	g_free(c->file);
	g_free(c->store.path);
	g_free(c->store.url);
	g_free(c->store.node);
	g_free(c->maildir.path);
	g_free(c->maildir.other);
	g_free(c->maildir.done);
	g_free(c->lmtp.other);
	g_strfreev(c->lmtp.listen);
	g_free(c->lmtp.socket_group);
	g_free(c->metrics.listen);
	g_free(c->daemon.user);
	if (c->guard.providers != NULL)
		g_hash_table_unref(c->guard.providers);
	if (c->hooks.list != NULL)
		g_ptr_array_free(c->hooks.list, TRUE);
	conf_http_clear(c);
	probe_conf_clear(&c->probe);
	memset(c, 0, sizeof *c);
}

/*
 * Every key of rebound.conf that takes a boolean, from the tables that
 * read them (guard.c's [guard] keys, conf_hook.c's [hook NAME] keys), so
 * that a test can try each spelling on each key there is.  Free with
 * g_array_unref().
 */
GArray *
conf_bool_keys(void)
{
	GArray *keys = g_array_new(FALSE, FALSE, sizeof(struct conf_bool_key));
	struct conf_bool_key k;
	size_t i, offset;

	for (i = 0; i < G_N_ELEMENTS(conf_keys); i++)
		if (conf_keys[i].set == conf_set_guard &&
		    guard_key_bool(conf_keys[i].key, &offset)) {
			k.group = conf_keys[i].group;
			k.key = conf_keys[i].key;
			k.offset = G_STRUCT_OFFSET(struct conf, policy.guard) +
			    offset;
			g_array_append_val(keys, k);
		}
	conf_hook_bool_keys(keys);
	return keys;
}

/* The line of file where key (or the group, if key is NULL) is set. */
static int
conf_line(const char *text, const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	int in_group = 0, i;
	char *line;

	for (i = 0; lines[i] != NULL; i++) {
		line = g_strstrip(lines[i]);
		if (line[0] == '[') {
			in_group = strncmp(line + 1, group, strlen(group)) == 0 &&
			    line[1 + strlen(group)] == ']';
			if (in_group && key == NULL)
				return i + 1;
		} else if (in_group && key != NULL &&
		    strncmp(line, key, strlen(key)) == 0 &&
		    strchr(" \t=", line[strlen(key)]) != NULL)
			return i + 1;
	}
	return 0;
}

static const struct conf_key *
conf_find(const char *group, const char *key)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(conf_keys); i++)
		if (strcmp(conf_keys[i].group, group) == 0 && (key == NULL ||
		    (conf_keys[i].key == NULL ? policy_is_key(key) :
		    strcmp(conf_keys[i].key, key) == 0)))
			return &conf_keys[i];
	return NULL;
}

static int
conf_fail(GError **error, const char *file, const char *text,
    const char *group, const char *key, const char *what)
{
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
	    "%s:%d: %s%s%s%s: %s", file, conf_line(text, group, key),
	    key ? "[" : "[", group, key ? "] " : "]", key ? key : "", what);
	return 0;
}

static int
conf_group(struct conf *c, GKeyFile *kf, const char *file,
    const char *text, const char *group, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
	const struct conf_key *ck;
	g_autoptr(GError) err = NULL;
	g_autofree char *value = NULL;
	const char *key;
	guint i;

	/* [hook NAME]: several, each read whole by conf_hook.c. */
	if (g_str_has_prefix(group, "hook ")) {
		if (conf_hook_group(c, kf, group, &key, &err))
			return 1;
		return conf_fail(error, file, text, group, key, err->message);
	}
	if (g_str_has_prefix(group, "webhook ")) {
		if (conf_webhook_group(c, kf, group, &key, &err))
			return 1;
		return conf_fail(error, file, text, group, key, err->message);
	}
	if (conf_find(group, NULL) == NULL)
		return conf_fail(error, file, text, group, NULL,
		    "unknown group");
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		if ((ck = conf_find(group, keys[i])) == NULL)
			return conf_fail(error, file, text, group, keys[i],
			    "unknown key");
		g_free(value);
		/* Bad UTF-8 gives NULL, a bad escape a value and an error. */
		value = g_key_file_get_string(kf, group, keys[i], &err);
		if (err != NULL ||
		    !ck->set(c, keys[i], g_strstrip(value), &err))
			return conf_fail(error, file, text, group, keys[i],
			    err->message);
	}
	return 1;
}

/*
 * Override c's defaults with the settings in text: len bytes and a NUL
 * after them, read from file (which errors name).
 */
int
conf_load_data(struct conf *c, const char *file, const char *text, gsize len,
    GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_auto(GStrv) groups = NULL;
	g_autoptr(GError) err = NULL;
	guint i;

	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &err)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
		    "%s: %s", file, err->message);
		return 0;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (i = 0; groups[i] != NULL; i++)
		if (!conf_group(c, kf, file, text, groups[i], error))
			return 0;
	g_free(c->file);
	c->file = g_strdup(file);
	return conf_probe_finish(c, error);
}

/* Override c's defaults with the settings in file. */
int
conf_load(struct conf *c, const char *file, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	gsize len;

	if (!g_file_get_contents(file, &text, &len, &err)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
		    "%s: %s", file, err->message);
		return 0;
	}
	return conf_load_data(c, file, text, len, error);
}

/*
 * The defaults that follow from other keys, once the file is read:
 * [lmtp] other is NotBounce beside the database; [events] delay, how
 * long an address.dead event waits before it is published, is the
 * incident guard's window, so that a burst the guard holds never
 * reaches a list manager (without the guard, no wait).  [guard] late
 * is the baseline period when [intake] dating = date: an archive fed
 * through the daemon comes in an order that says nothing of its times
 * (several senders at once, each at its own pace, are days apart in
 * the archive's time within a second), and a hard bounce later than
 * late would escape the burst it belongs to.  What the file set stays.
 */
void
conf_settle(struct conf *c)
{
	g_autofree char *dir = NULL;

	if (c->lmtp.other == NULL) {
		dir = g_path_get_dirname(c->store.path);
		c->lmtp.other = g_build_filename(dir, "NotBounce", NULL);
	}
	if (c->events.delay < 0)
		c->events.delay = c->policy.guard.enabled ?
		    c->policy.guard.window : 0;
	if (!c->guard.late_set && c->intake.dating == DATING_DATE)
		c->policy.guard.late = MAX(c->policy.guard.late,
		    c->policy.guard.baseline);
}

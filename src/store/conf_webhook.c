/*
 * conf_webhook.c: the [http] section of rebound.conf, reboundd's
 * listener for the sending services' webhooks, and its [webhook NAME]
 * groups, one endpoint each:
 *
 *   [http]
 *   listen = 127.0.0.1:8025
 *
 *   [webhook mailgun]
 *   kind = mailgun
 *   path = /mailgun
 *   signing_key = key-...
 *
 * A key that takes a list (topic_arn, cert_hosts) takes its items
 * separated by commas or blanks, on one line or on several lines of
 * the same key.
 */
#include "config.h"

#include <string.h>

#include "conf_int.h"
#include "vocab.h"

#define CONF_HTTP_MAX_BODY	(1024 * 1024)
#define CONF_HTTP_MAX_HEADER	8192
#define CONF_HTTP_READ_TIMEOUT	30
#define CONF_HTTP_MAX_REQUESTS	64
#define CONF_HTTP_MAX_CONNECTIONS 256
#define CONF_WEBHOOK_MAX_AGE	300	/* Mailgun's timestamp, seconds */
#define CONF_WEBHOOK_CERT_HOSTS	"sns.*.amazonaws.com"	/* SNS's regions */
#define CONF_WEBHOOK_SEPARATORS	", \t"	/* between a list's items */

static int
conf_http_number(const char *value, guint64 min, guint64 max, guint64 *out,
    GError **error)
{
	if (!g_ascii_string_to_unsigned(value, 10, min, max, out, NULL))
		return conf_invalid(error, "'%s' is not a number from "
		    "%" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, value, min, max);
	return 1;
}

/* [http]: listen, max_body_size, max_header_size, read_timeout,
   max_requests, max_connections. */
int
conf_http_set(struct conf *c, const char *key, const char *value,
    GError **error)
{
	guint64 n;

	if (strcmp(key, "listen") == 0) {
		if (strrchr(value, ':') == NULL)
			return conf_invalid(error, "'%s' is not "
			    "host:port", value);
		return conf_set_string(&c->http.listen, value);
	}
	if (strcmp(key, "read_timeout") == 0)
		return conf_duration(value, 1, 3600, &c->http.read_timeout,
		    error);
	if (strcmp(key, "max_body_size") == 0)
		return conf_http_number(value, 1024, 1 << 30, &c->http.max_body,
		    error);
	if (strcmp(key, "max_header_size") == 0) {
		if (!conf_http_number(value, 1024, 1 << 20, &n, error))
			return 0;
		c->http.max_header = (guint)n;
		return 1;
	}
	if (!conf_http_number(value, 1, 100000, &n, error))
		return 0;
	if (strcmp(key, "max_requests") == 0)
		c->http.max_requests = (int)n;
	else
		c->http.max_connections = (int)n;
	return 1;
}

static void
conf_webhook_free(struct conf_webhook *w)
{
	if (w == NULL)
		return;
	g_free(w->name);
	g_free(w->path);
	if (w->signing_key != NULL)
		memset(w->signing_key, 0, strlen(w->signing_key));
	if (w->password != NULL)
		memset(w->password, 0, strlen(w->password));
	g_free(w->signing_key);
	g_free(w->user);
	g_free(w->password);
	g_free(w->public_key);
	g_strfreev(w->topic_arns);
	g_strfreev(w->cert_hosts);
	g_free(w->ca_file);
	g_free(w);
}

void
conf_http_defaults(struct conf *c)
{
	c->http.max_body = CONF_HTTP_MAX_BODY;
	c->http.max_header = CONF_HTTP_MAX_HEADER;
	c->http.read_timeout = CONF_HTTP_READ_TIMEOUT;
	c->http.max_requests = CONF_HTTP_MAX_REQUESTS;
	c->http.max_connections = CONF_HTTP_MAX_CONNECTIONS;
	c->http.webhooks = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)conf_webhook_free);
}

void
conf_http_clear(struct conf *c)
{
	g_free(c->http.listen);
	if (c->http.webhooks != NULL)
		g_ptr_array_free(c->http.webhooks, TRUE);
}

static int
conf_webhook_kind(struct conf_webhook *w, const char *value, GError **error)
{
	g_autofree char *known = NULL;

	if (webhook_kind_parse(value, &w->kind))
		return 1;
	known = webhook_kind_list();
	return conf_invalid(error, "'%s' is not %s", value, known);
}

/* An absolute path of its own: the service posts there. */
static int
conf_webhook_path(struct conf_webhook *w, const char *value, GError **error)
{
	if (value[0] != '/' || strpbrk(value, "?# \t") != NULL)
		return conf_invalid(error, "'%s' is not a path such "
		    "as /mailgun", value);
	return conf_set_string(&w->path, value);
}

static int
conf_webhook_signing_key(struct conf_webhook *w, const char *value,
    GError **error)
{
	return conf_set_nonempty(&w->signing_key, value, error);
}

/* SendGrid's verification key: PEM, or base64 as its console shows it. */
static int
conf_webhook_public_key(struct conf_webhook *w, const char *value,
    GError **error)
{
	gsize len = 0;
	g_autofree guchar *der = NULL;

	if (!g_str_has_prefix(value, "-----BEGIN") &&
	    ((der = g_base64_decode(value, &len)) == NULL || len < 32))
		return conf_invalid(error, "not a PEM public key nor "
		    "base64 DER");
	return conf_set_string(&w->public_key, value);
}

/* HTTP Basic: no ':' in the user (RFC 7617), nothing empty. */
static int
conf_webhook_user(struct conf_webhook *w, const char *value, GError **error)
{
	if (*value == '\0' || strchr(value, ':') != NULL)
		return conf_invalid(error, "'%s' is not a user name "
		    "(not empty, no ':')", value);
	return conf_set_string(&w->user, value);
}

static int
conf_webhook_password(struct conf_webhook *w, const char *value,
    GError **error)
{
	return conf_set_nonempty(&w->password, value, error);
}

static int
conf_webhook_max_age(struct conf_webhook *w, const char *value,
    GError **error)
{
	return conf_duration(value, 1, 86400, &w->max_age, error);
}

/* Append the items of value to *list. */
static void
conf_webhook_append(char ***list, const char *value)
{
	g_auto(GStrv) items = g_strsplit_set(value, CONF_WEBHOOK_SEPARATORS,
	    -1);
	GPtrArray *all = g_ptr_array_new();
	guint i;

	for (i = 0; *list != NULL && (*list)[i] != NULL; i++)
		g_ptr_array_add(all, (*list)[i]);
	for (i = 0; items[i] != NULL; i++)
		if (*items[i] != '\0')
			g_ptr_array_add(all, g_strdup(items[i]));
	g_ptr_array_add(all, NULL);
	g_free(*list);
	*list = (char **)g_ptr_array_free(all, FALSE);
}

/* An SNS topic's ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME. */
static int
conf_webhook_topic_arn(struct conf_webhook *w, const char *value,
    GError **error)
{
	g_auto(GStrv) items = g_strsplit_set(value, CONF_WEBHOOK_SEPARATORS,
	    -1);
	guint i;

	for (i = 0; items[i] != NULL; i++)
		if (*items[i] != '\0' && (!g_str_has_prefix(items[i], "arn:") ||
		    strstr(items[i], ":sns:") == NULL))
			return conf_invalid(error, "'%s' is not an SNS topic's "
			    "ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC)", items[i]);
	conf_webhook_append(&w->topic_arns, value);
	return 1;
}

/* Host patterns: letters, digits, '-', '.', and '*' for one label. */
static int
conf_webhook_cert_hosts(struct conf_webhook *w, const char *value,
    GError **error)
{
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-.*";
	g_auto(GStrv) items = g_strsplit_set(value, CONF_WEBHOOK_SEPARATORS,
	    -1);
	guint i;

	for (i = 0; items[i] != NULL; i++)
		if (items[i][strspn(items[i], ok)] != '\0')
			return conf_invalid(error, "'%s' is not a host pattern "
			    "such as sns.*.amazonaws.com", items[i]);
	conf_webhook_append(&w->cert_hosts, value);
	return 1;
}

static int
conf_webhook_ca_file(struct conf_webhook *w, const char *value,
    GError **error)
{
	if (!g_file_test(value, G_FILE_TEST_IS_REGULAR))
		return conf_invalid(error, "'%s' is not a file (a PEM bundle "
		    "of CA certificates)", value);
	return conf_set_string(&w->ca_file, value);
}

static int
conf_webhook_confirm(struct conf_webhook *w, const char *value,
    GError **error)
{
	return vocab_bool(value, &w->confirm_subscription, error);
}

/* A list key: read with all its lines once the group is read. */
static int
conf_webhook_later(struct conf_webhook *w, const char *value,
    GError **error)
{
	return 1;
}

/* The keys of [webhook NAME]; kind is read first. */
static const struct {
	const char	*key;
	int		(*set)(struct conf_webhook *, const char *, GError **);
	/* A list: each line of the key is read (conf_webhook_lists()). */
	int		(*add)(struct conf_webhook *, const char *, GError **);
} conf_webhook_keys[] = {
	{ "kind", conf_webhook_kind, NULL },
	{ "path", conf_webhook_path, NULL },
	{ "signing_key", conf_webhook_signing_key, NULL },
	{ "public_key", conf_webhook_public_key, NULL },
	{ "user", conf_webhook_user, NULL },
	{ "password", conf_webhook_password, NULL },
	{ "max_age", conf_webhook_max_age, NULL },
	{ "topic_arn", conf_webhook_later, conf_webhook_topic_arn },
	{ "cert_hosts", conf_webhook_later, conf_webhook_cert_hosts },
	{ "ca_file", conf_webhook_ca_file, NULL },
	{ "confirm_subscription", conf_webhook_confirm, NULL },
};

/*
 * Every value key has in group, in order: GKeyFile keeps a key given on
 * several lines, but its lookup answers the last only.
 */
static GStrv
conf_webhook_values(GKeyFile *kf, const char *group, const char *key)
{
	g_autofree char *text = g_key_file_to_data(kf, NULL, NULL);
	g_autofree char *head = g_strdup_printf("[%s]", group);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *out = g_ptr_array_new();
	size_t klen = strlen(key);
	int in = 0;
	guint i;

	for (i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '[')
			in = strcmp(lines[i], head) == 0;
		else if (in && strncmp(lines[i], key, klen) == 0 &&
		    lines[i][klen] == '=')
			g_ptr_array_add(out, g_strstrip(g_strcompress(
			    lines[i] + klen + 1)));
	}
	g_ptr_array_add(out, NULL);
	return (GStrv)g_ptr_array_free(out, FALSE);
}

/* The list keys of group, each of their lines; *key_r the one at fault. */
static int
conf_webhook_lists(struct conf_webhook *w, GKeyFile *kf, const char *group,
    const char **key_r, GError **error)
{
	guint i, j;

	for (i = 0; i < G_N_ELEMENTS(conf_webhook_keys); i++) {
		g_auto(GStrv) values = NULL;

		if (conf_webhook_keys[i].add == NULL)
			continue;
		values = conf_webhook_values(kf, group, conf_webhook_keys[i].key);
		for (j = 0; values[j] != NULL; j++)
			if (!conf_webhook_keys[i].add(w, values[j], error)) {
				*key_r = conf_webhook_keys[i].key;
				return 0;
			}
	}
	return 1;
}

static int
conf_webhook_set(void *item, const char *key, const char *value,
    GError **error)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(conf_webhook_keys); i++)
		if (strcmp(conf_webhook_keys[i].key, key) == 0)
			return conf_webhook_keys[i].set(item, value, error);
	return conf_invalid(error, "unknown key");
}

static const struct conf_group conf_webhook_reader = {
	conf_webhook_set, webhook_kind_list
};

/* The credential key w's kind cannot go without, or NULL. */
static const char *
conf_webhook_missing(const struct conf_webhook *w)
{
	switch (w->kind) {
	case WEBHOOK_MAILGUN:
		return w->signing_key == NULL ? "signing_key" : NULL;
	case WEBHOOK_SENDGRID:
		return w->public_key == NULL ? "public_key" : NULL;
	case WEBHOOK_SES:
		return w->topic_arns == NULL ? "topic_arn" : NULL;
	case WEBHOOK_POSTMARK:
	case WEBHOOK_SPARKPOST:	/* HTTP Basic: they sign nothing */
		break;
	}
	if (w->user == NULL)
		return "user";
	return w->password == NULL ? "password" : NULL;
}

/* What w cannot go without, or that another endpoint has: NULL if fine. */
static char *
conf_webhook_check(const struct conf *c, const struct conf_webhook *w)
{
	const char *missing = conf_webhook_missing(w);
	guint i;

	if (w->path == NULL)
		return g_strdup("path: missing");
	if (missing != NULL)
		return g_strdup_printf("%s: missing (a %s webhook needs one)",
		    missing, webhook_kind_name(w->kind));
	for (i = 0; i < c->http.webhooks->len; i++) {
		const struct conf_webhook *o = c->http.webhooks->pdata[i];

		if (strcmp(o->name, w->name) == 0)
			return g_strdup("the same name twice");
		if (strcmp(o->path, w->path) == 0)
			return g_strdup("path: another webhook has it");
	}
	return NULL;
}

/*
 * Read the group "webhook NAME" of kf into c->http.webhooks.  On error,
 * *key_r is the key at fault (NULL: the group itself).
 */
int
conf_webhook_group(struct conf *c, GKeyFile *kf, const char *group,
    const char **key_r, GError **error)
{
	struct conf_webhook *w = g_new0(struct conf_webhook, 1);
	g_autofree char *bad = NULL;
	int ok;

	w->name = g_strstrip(g_strdup(group + strlen("webhook")));
	w->max_age = CONF_WEBHOOK_MAX_AGE;
	ok = conf_group_read(&conf_webhook_reader, w, kf, group, key_r,
	    error) && conf_webhook_lists(w, kf, group, key_r, error);
	if (ok && w->kind == WEBHOOK_SES && w->cert_hosts == NULL)
		conf_webhook_append(&w->cert_hosts, CONF_WEBHOOK_CERT_HOSTS);
	if (ok && (bad = conf_webhook_check(c, w)) != NULL)
		ok = conf_invalid(error, "%s", bad);
	if (!ok) {
		conf_webhook_free(w);
		return 0;
	}
	g_ptr_array_add(c->http.webhooks, w);
	return 1;
}

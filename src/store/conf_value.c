/*
 * conf_value.c: how one value of rebound.conf is read, for every
 * section's reader alike (conf.c, conf_hook.c, conf_probe.c,
 * conf_webhook.c), and the one reader of a [KIND NAME] group.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <glib.h>

#include "conf_int.h"

/* A string setting; empty is none (NULL). */
int
conf_set_string(char **slot, const char *value)
{
	g_free(*slot);
	*slot = *value != '\0' ? g_strdup(value) : NULL;
	return 1;
}

/* A string setting that cannot be empty: a key, a password. */
int
conf_set_nonempty(char **slot, const char *value, GError **error)
{
	if (*value == '\0')
		return conf_invalid(error, "empty");
	return conf_set_string(slot, value);
}

/*
 * A URL of scheme or scheme2 with a host.  A blank is refused apart:
 * GKeyFile has no comment after a value, and GUri would take one
 * ("smtp://host:25  # the relay") as the URL's fragment.
 */
int
conf_set_net_url(char **slot, const char *value, const char *scheme,
    const char *scheme2, GError **error)
{
	g_autoptr(GUri) uri = NULL;

	if (strpbrk(value, " \t") != NULL)
		return conf_invalid(error, "'%s': a URL has no blanks (a "
		    "comment goes on a line of its own)", value);
	uri = g_uri_parse(value, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL || g_uri_get_host(uri) == NULL ||
	    *g_uri_get_host(uri) == '\0' ||
	    (g_ascii_strcasecmp(g_uri_get_scheme(uri), scheme) != 0 &&
	    g_ascii_strcasecmp(g_uri_get_scheme(uri), scheme2) != 0))
		return conf_invalid(error, "'%s' is not an %s:// or %s:// URL",
		    value, scheme, scheme2);
	return conf_set_string(slot, value);
}

/* "30s", "5m", "1h", "3d", or plain seconds. */
int
conf_duration(const char *value, int min, int max, int *out, GError **error)
{
	char *end;
	gint64 n = g_ascii_strtoll(value, &end, 10), unit = 1;

	if (end != value && end[0] != '\0' && end[1] == '\0')
		switch (end[0]) {
		case 's': unit = 1; end++; break;
		case 'm': unit = 60; end++; break;
		case 'h': unit = 3600; end++; break;
		case 'd': unit = 86400; end++; break;
		}
	if (end == value || *end != '\0' || n < 0 || n > max ||
	    n * unit < min || n * unit > max) {
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "'%s' is not a duration "
		    "from %ds to %ds (such as 30s, 5m, 1h, 3d)", value, min, max);
		return 0;
	}
	*out = (int)(n * unit);
	return 1;
}

/* An invalid value: 0, and error says why (conf.c adds where). */
int
conf_invalid(GError **error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, G_KEY_FILE_ERROR,
	    G_KEY_FILE_ERROR_INVALID_VALUE, msg);
	return 0;
}

static int
conf_group_key(const struct conf_group *g, void *item, GKeyFile *kf,
    const char *group, const char *key, GError **error)
{
	g_autofree char *value = NULL;
	g_autoptr(GError) err = NULL;

	/* Bad UTF-8 gives NULL, a bad escape a value and an error. */
	value = g_key_file_get_string(kf, group, key, &err);
	if (err != NULL) {
		g_propagate_error(error, g_steal_pointer(&err));
		return 0;
	}
	return g->set(item, key, g_strstrip(value), error);
}

/*
 * Read the keys of group ("hook NAME", "webhook NAME") into item with
 * g: kind first, which the others may depend on, then the others in
 * any order.  On error, *key_r is the key at fault.
 */
int
conf_group_read(const struct conf_group *g, void *item, GKeyFile *kf,
    const char *group, const char **key_r, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
	guint i;

	*key_r = "kind";
	if (!g_key_file_has_key(kf, group, "kind", NULL)) {
		g_autofree char *known = g->kinds();

		return conf_invalid(error, "missing (%s)", known);
	}
	if (!conf_group_key(g, item, kf, group, "kind", error))
		return 0;
	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(keys[i], "kind") == 0 ||
		    conf_group_key(g, item, kf, group, keys[i], error))
			continue;
		/* keys[] is freed on return: keep the name reported. */
		*key_r = g_intern_string(keys[i]);
		return 0;
	}
	*key_r = NULL;
	return 1;
}

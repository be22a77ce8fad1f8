/*
 * conf_value.c: how one value of rebound.conf is read, for every
 * section's reader alike (conf.c, conf_hook.c, conf_probe.c).
 */
#include "config.h"

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

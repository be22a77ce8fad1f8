/*
 * verp.c: Variable Envelope Return Paths.
 *
 * A list that sends each copy with its own return path, such as
 * list-bounces+alice=example.org@lists.example.net, learns from the
 * envelope recipient of a bounce exactly which subscriber it was for,
 * whatever the bounce itself says.  The delimiter ('+') and the
 * character standing for '@' ('=') are configurable ([verp]).  The last
 * '=' of the part after the delimiter is the '@'; the part before the
 * delimiter, with a "-bounces" suffix removed, names the list.
 * Anything that does not decode to an address with a host name after
 * the '@' is not VERP.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "addr.h"
#include "verp.h"

void
verp_defaults(struct verp *v)
{
	v->delimiter = '+';
	v->equals = '=';
}

/* A host name: letters, digits, hyphens and dots ("localhost" too). */
static int
verp_domain(const char *s)
{
	if (*s == '\0' || *s == '.' || *s == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && *s != '-' && *s != '.')
			return 0;
	return 1;
}

int
verp_decode(const struct verp *v, const char *envelope, char **subscriber_r,
    char **list_r)
{
	g_autofree char *addr = addr_normalise(envelope);
	char *at, *delim, *eq, *suffix;

	*subscriber_r = *list_r = NULL;
	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	*at = '\0';
	if ((delim = strchr(addr, v->delimiter)) == NULL || delim == addr)
		return 0;
	*delim++ = '\0';
	if ((eq = strrchr(delim, v->equals)) == NULL || eq == delim ||
	    !verp_domain(eq + 1))
		return 0;
	*eq = '@';
	*subscriber_r = addr_normalise(delim);
	if ((suffix = g_strrstr(addr, "-bounces")) != NULL && suffix[8] == '\0')
		*suffix = '\0';
	*list_r = g_strdup(addr);
	return *subscriber_r != NULL;
}

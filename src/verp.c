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
 * the '@' is not VERP, nor is one that decodes to the list's own
 * address (list-bounces+list=lists.example.net@lists.example.net: the
 * list sent to itself): the list is never a failed subscriber.
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

/*
 * Is subscriber the list itself: at the envelope's domain, its local
 * part the list's name or the whole bounce local part (bounce)?
 */
static int
verp_is_list(const char *subscriber, const char *list, const char *bounce,
    const char *domain)
{
	const char *at = strrchr(subscriber, '@');
	size_t local;

	if (at == NULL || g_ascii_strcasecmp(at + 1, domain) != 0)
		return 0;
	local = at - subscriber;
	return (strlen(list) == local &&
	    g_ascii_strncasecmp(subscriber, list, local) == 0) ||
	    (strlen(bounce) == local &&
	    g_ascii_strncasecmp(subscriber, bounce, local) == 0);
}

int
verp_decode(const struct verp *v, const char *envelope, char **subscriber_r,
    char **list_r)
{
	g_autofree char *addr = addr_normalise(envelope), *bounce = NULL;
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
	bounce = g_strdup(addr);
	if ((suffix = g_strrstr(addr, "-bounces")) != NULL && suffix[8] == '\0')
		*suffix = '\0';
	*list_r = g_strdup(addr);
	if (*subscriber_r != NULL && verp_is_list(*subscriber_r, addr, bounce,
	    at + 1)) {
		g_clear_pointer(subscriber_r, g_free);
		g_clear_pointer(list_r, g_free);
	}
	return *subscriber_r != NULL;
}

/*
 * verp.c: Variable Envelope Return Paths.
 *
 * A list that sends each copy with its own return path, such as
 * list-bounces+alice=example.org@lists.example.net, learns from the
 * envelope recipient of a bounce exactly which subscriber it was for,
 * whatever the bounce itself says.  The delimiter ('+') and the
 * character standing for '@' ('=') are configurable ([verp]).  The last
 * '=' of the part after the delimiter is the '@'; the part before the
 * delimiter, at the envelope's domain, is the bounce address
 * (news-bounces@lists.example.net), which may name a list (listid.c).
 * Anything that does not decode to an address with a host name after
 * the '@' is not VERP, nor is one that decodes to the list's own
 * address (list-bounces+list=lists.example.net@lists.example.net: the
 * list sent to itself): the list is never a failed subscriber.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "addr.h"
#include "listid.h"
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
 * Is subscriber the list itself: its bounce address, or the list that
 * address names (listid.c)?
 */
static int
verp_is_list(const char *subscriber, const char *bounce)
{
	g_autofree char *list = NULL, *id = listid_of_bounce(bounce, &list);

	return g_ascii_strcasecmp(subscriber, bounce) == 0 ||
	    (list != NULL && g_ascii_strcasecmp(subscriber, list) == 0);
}

/*
 * The bounce address of an envelope recipient: the part of its local
 * part before the delimiter, at its domain.  news-bounces+ann=
 * example.org@lists.example.net and Mailman's probe news-bounces+TOKEN@
 * are news-bounces@lists.example.net; bounces@lists.example.net is
 * itself.  NULL when it is no address.
 */
char *
verp_bounce(const struct verp *v, const char *envelope)
{
	g_autofree char *addr = addr_normalise(envelope);
	const char *at, *delim;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return NULL;
	delim = strchr(addr, v->delimiter);
	if (delim == NULL || delim == addr || delim > at)
		delim = at;
	return g_strdup_printf("%.*s%s", (int)(delim - addr), addr, at);
}

int
verp_decode(const struct verp *v, const char *envelope, char **subscriber_r,
    char **bounce_r)
{
	g_autofree char *addr = addr_normalise(envelope);
	char *at, *delim, *eq;

	*subscriber_r = *bounce_r = NULL;
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
	*bounce_r = verp_bounce(v, envelope);
	if (*subscriber_r != NULL && verp_is_list(*subscriber_r, *bounce_r))
		g_clear_pointer(subscriber_r, g_free);
	return *subscriber_r != NULL;
}

/*
 * addr.h: recipient addresses as a DSN or a header gives them, made
 * comparable: type prefix and angle brackets stripped, xtext (RFC 3461)
 * and unitext (RFC 6533) decoded, domain lower-cased, valid UTF-8.
 */
#ifndef REBOUND_ADDR_H
#define REBOUND_ADDR_H

#include <stddef.h>

#include <glib.h>

/*
 * Bytes of an address as prose writes it: the local part's (RFC 5322
 * atext and '.') and the domain's.  For finding where an address in
 * text begins and ends; callers include <glib.h> and <string.h>.
 */
#define ADDR_LOCAL(c)	(g_ascii_isalnum(c) || ((c) != '\0' && \
			    strchr("!#$%&'*+/=?^_`{|}~.-", (c)) != NULL))
#define ADDR_DOMAIN(c)	(g_ascii_isalnum(c) || (c) == '.' || (c) == '-')

char	*addr_normalise(const char *value);
char	*addr_xtext_decode(const char *text);
char	*addr_unitext_decode(const char *text);
char	*addr_strip_type(const char *value);
char	*addr_x400_rfc822(const char *value);
/* A GPtrArray of char *, which frees them. */
GPtrArray *addr_split(const char *value);
int	 addr_is_list_id(const char *address, const char *list_id);
char	*addr_mailto(const char *value);

#endif

/*
 * addr.c: address normalisation for RFC 3464 / RFC 6533 fields.
 *
 * A field value looks like "rfc822; <Alice@Example.ORG>" or
 * "utf-8; j\x{00F6}rg@example.de".  The result is the bare address with
 * its domain lower-cased (the local part is left alone: RFC 5321 says it
 * may be case-sensitive).  Invalid UTF-8 is repaired, never passed on.
 * Every function returns a newly allocated string or NULL for nothing.
 */
#include "config.h"

#include <string.h>

#include "addr.h"

#include <glib.h>

static int
addr_is_hexchar(char c)
{
	return g_ascii_isdigit(c) || (c >= 'A' && c <= 'F');
}

static int
addr_hexval(int c)
{
	return g_ascii_xdigit_value((char)c);
}

/* RFC 3461 xtext: "+HH" (upper-case hex) stands for the octet 0xHH. */
char *
addr_xtext_decode(const char *text)
{
	GString *out = g_string_sized_new(strlen(text));
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '+' && addr_is_hexchar(p[1]) &&
		    addr_is_hexchar(p[2])) {
			g_string_append_c(out,
			    (char)(addr_hexval(p[1]) * 16 + addr_hexval(p[2])));
			p += 2;
		} else
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* RFC 6533 unitext/utf-8-addr-xtext: "\x{HHHH}" stands for a code point. */
char *
addr_unitext_decode(const char *text)
{
	GString *out = g_string_sized_new(strlen(text));
	const char *p, *close;
	gunichar c;
	char *endp;

	for (p = text; *p != '\0'; p++) {
		if (strncmp(p, "\\x{", 3) == 0 &&
		    (close = strchr(p + 3, '}')) != NULL &&
		    close - p > 3 && close - p <= 9) {
			c = (gunichar)g_ascii_strtoull(p + 3, &endp, 16);
			if (endp == close && g_unichar_validate(c) && c != 0) {
				g_string_append_unichar(out, c);
				p = close;
				continue;
			}
		}
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/*
 * "dns; mx.example.org" -> "mx.example.org"; no type: the value itself.
 * A type is a word before the first ';': what has a space, '@', '<' or
 * a quote before it is an address whose quoted local part holds the ';'.
 */
char *
addr_strip_type(const char *value)
{
	const char *semi = strchr(value, ';');
	const char *p;

	if (semi != NULL) {
		for (p = value; p < semi; p++)
			if (g_ascii_isspace(*p) || *p == '@' || *p == '<' ||
			    *p == '"')
				break;
		if (p == semi)
			value = semi + 1;
	}
	return g_strstrip(g_strdup(value));
}

/* The address inside the first "<...>", if any, else the whole text. */
static char *
addr_unbracket(char *s)
{
	char *open = strchr(s, '<'), *close;

	if (open == NULL || (close = strchr(open, '>')) == NULL)
		return s;
	*close = '\0';
	memmove(s, open + 1, close - open);
	return g_strstrip(s);
}

/*
 * Is s lower case already, whatever the locale?  ASCII without capitals
 * is: g_utf8_strdown() would only copy it (its locale rules, Turkish
 * dotless i and the like, are for capitals).
 */
static int
addr_is_lower_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((*s & 0x80) != 0 || g_ascii_isupper(*s))
			return 0;
	return 1;
}

static char *
addr_lower_domain(char *addr)
{
	char *at = strrchr(addr, '@'), *domain, *lowered;

	if (at == NULL || at[1] == '\0' || addr_is_lower_ascii(at + 1))
		return addr;
	domain = g_utf8_strdown(at + 1, -1);
	at[1] = '\0';
	lowered = g_strconcat(addr, domain, NULL);
	g_free(domain);
	g_free(addr);
	return lowered;
}

/* Does s hold a control character (C0 or DEL)? */
static int
addr_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * An address no mail system could have delivered to: control bytes make
 * it none at all (NULL), rather than a near-copy that might be a live
 * subscriber's address once they are dropped.
 */
char *
addr_normalise(const char *value)
{
	g_autofree char *typed = NULL, *raw = NULL, *valid = NULL;
	char *decoded;
	const char *semi;
	size_t typelen = 0;

	if (value == NULL)
		return NULL;
	typed = g_strstrip(g_strdup(value));
	if ((semi = strchr(typed, ';')) != NULL && strchr(typed, '@') > semi)
		typelen = semi - typed;
	raw = addr_strip_type(typed);
	addr_unbracket(raw);
	if (typelen == 5 && g_ascii_strncasecmp(typed, "utf-8", 5) == 0)
		decoded = addr_unitext_decode(raw);
	else
		decoded = g_steal_pointer(&raw);
	/* Repaired only if broken: most addresses need no copy. */
	if (g_utf8_validate(decoded, -1, NULL))
		valid = decoded;
	else {
		valid = g_utf8_make_valid(decoded, -1);
		g_free(decoded);
	}
	if (valid[0] == '\0' || addr_has_control(valid))
		return NULL;
	return addr_lower_domain(g_steal_pointer(&valid));
}

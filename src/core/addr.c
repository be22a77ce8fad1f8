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
static const char *
addr_after_type(const char *value)
{
	const char *semi = strchr(value, ';');
	const char *p;

	if (semi == NULL)
		return value;
	for (p = value; p < semi; p++)
		if (g_ascii_isspace(*p) || *p == '@' || *p == '<' || *p == '"')
			return value;
	return semi + 1;
}

char *
addr_strip_type(const char *value)
{
	return g_strstrip(g_strdup(addr_after_type(value)));
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
 * RFC 2156 (MIXER) 4.3.2: in an X.400 printable string "(a)" is '@',
 * "(p)" '%', "(b)" '!', "(q)" '"', "(u)" '_', "(l)" '(', "(r)" ')', and
 * "(ddd)" the character of that decimal code.
 */
static const char *
addr_x400_escape(const char *p, GString *out)
{
	static const char map[][2] = {
		{ 'a', '@' }, { 'p', '%' }, { 'b', '!' }, { 'q', '"' },
		{ 'u', '_' }, { 'l', '(' }, { 'r', ')' },
	};
	size_t i;
	int code;

	if (p[1] != '\0' && p[2] == ')')
		for (i = 0; i < G_N_ELEMENTS(map); i++)
			if (g_ascii_tolower(p[1]) == map[i][0]) {
				g_string_append_c(out, map[i][1]);
				return p + 3;
			}
	if (g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) &&
	    g_ascii_isdigit(p[3]) && p[4] == ')') {
		code = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
		if (code > 0x20 && code < 0x7f) {
			g_string_append_c(out, (char)code);
			return p + 5;
		}
	}
	g_string_append_c(out, *p);
	return p + 1;
}

/*
 * The RFC 822 address an X.400 O/R address carries in its "RFC-822="
 * attribute ("/C=US/ADMD= /PRMD=Example/RFC-822=ann(a)example.org/",
 * or with ';' between attributes), escapes undone; NULL if none.
 */
char *
addr_x400_rfc822(const char *value)
{
	static const char key[] = "rfc-822=";
	const char *p, *end;
	GString *out;

	/* Every address of a report comes here: compare only at an 'r'
	   (tested inline: g_ascii_tolower is a call a byte). */
	for (p = value; p != NULL && *p != '\0'; p++)
		if ((*p == 'r' || *p == 'R') &&
		    g_ascii_strncasecmp(p, key, sizeof key - 1) == 0)
			break;
	if (p == NULL || *p == '\0')
		return NULL;
	p += sizeof key - 1;
	end = p + strcspn(p, "/;> \t\n");
	out = g_string_new(NULL);
	while (p < end) {
		if (*p == '(')
			p = addr_x400_escape(p, out);
		else
			g_string_append_c(out, *p++);
	}
	if (strchr(out->str, '@') == NULL) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* RFC 5321 source route "@a.example,@b.example:ann@c.example": ann@c. */
static void
addr_drop_route(char *s)
{
	char *colon;

	if (s[0] == '@' && (colon = strchr(s, ':')) != NULL &&
	    strchr(colon, '@') != NULL)
		memmove(s, colon + 1, strlen(colon));
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
	char *decoded, *x400;
	const char *semi;
	size_t typelen = 0;

	if (value == NULL)
		return NULL;
	if ((x400 = addr_x400_rfc822(value)) != NULL) {
		decoded = addr_normalise(x400);
		g_free(x400);
		return decoded;
	}
	typed = g_strstrip(g_strdup(value));
	if ((semi = strchr(typed, ';')) != NULL && strchr(typed, '@') > semi)
		typelen = semi - typed;
	raw = addr_strip_type(typed);
	addr_unbracket(raw);
	addr_drop_route(raw);
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

/*
 * The pieces of value after its type, split at ',' and ';' outside
 * quotes and angle brackets, or NULL when fewer than two hold an '@'.
 */
static GPtrArray *
addr_pieces(const char *rest)
{
	GPtrArray *pieces = g_ptr_array_new_with_free_func(g_free);
	const char *p, *start = rest;
	int quoted = 0, bracket = 0;
	guint with_at = 0;

	for (p = rest;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '<' || *p == '>'))
			bracket = *p == '<';
		else if (*p == '\0' || (!quoted && !bracket &&
		    (*p == ',' || *p == ';'))) {
			if (memchr(start, '@', p - start) != NULL) {
				g_ptr_array_add(pieces,
				    g_strndup(start, p - start));
				with_at++;
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	if (with_at < 2) {
		g_ptr_array_unref(pieces);
		return NULL;
	}
	return pieces;
}

/*
 * Every address of a field that may hold several, separated by ',' or
 * ';' ("rfc822; a@example.org, b@example.net"), each normalised with the
 * field's type; one address (or none) otherwise.  An X.400 address,
 * whose attributes ';' may separate, is one.  Never NULL.
 */
GPtrArray *
addr_split(const char *value)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) pieces = NULL;
	g_autofree char *x400 = NULL, *type = NULL;
	const char *rest;
	char *one;
	guint i;

	if (value == NULL)
		return out;
	rest = addr_after_type(value);
	if ((x400 = addr_x400_rfc822(value)) != NULL ||
	    (pieces = addr_pieces(rest)) == NULL) {
		if ((one = addr_normalise(value)) != NULL)
			g_ptr_array_add(out, one);
		return out;
	}
	type = g_strndup(value, rest - value);
	for (i = 0; i < pieces->len; i++) {
		g_autofree char *typed = g_strconcat(type,
		    (char *)g_ptr_array_index(pieces, i), NULL);

		if ((one = addr_normalise(typed)) != NULL)
			g_ptr_array_add(out, one);
	}
	return out;
}

/*
 * Is address the list's by its List-Id (RFC 2919)?  Its identifier is
 * the list's address with '@' made '.' by convention ("<list.example.org>"
 * for list@example.org; Mailman, Sympa and mlmmj write them so).
 */
int
addr_is_list_id(const char *address, const char *list_id)
{
	const char *id = list_id, *open, *at;
	size_t len, local;

	if (id == NULL || address == NULL || (at = strchr(address, '@')) == NULL)
		return 0;
	if ((open = strrchr(id, '<')) != NULL)
		id = open + 1;
	len = strcspn(id, ">");
	local = at - address;
	return len == strlen(address) &&
	    g_ascii_strncasecmp(id, address, local) == 0 && id[local] == '.' &&
	    g_ascii_strncasecmp(id + local + 1, at + 1, len - local - 1) == 0;
}

/*
 * The address of the first "mailto:" URI in a List-Post (RFC 2369)
 * value, "<mailto:list@example.org>" or "<mailto:list@example.org?
 * subject=x>", normalised; NULL if none ("NO" when posting is closed).
 */
char *
addr_mailto(const char *value)
{
	g_autofree char *mailto = NULL;
	const char *p;

	if (value == NULL)
		return NULL;
	for (p = value; *p != '\0'; p++)
		if (g_ascii_strncasecmp(p, "mailto:", 7) == 0)
			break;
	if (*p == '\0')
		return NULL;
	mailto = g_strndup(p + 7, strcspn(p + 7, ">?, \t\n"));
	if (strchr(mailto, '@') == NULL)
		return NULL;
	return addr_normalise(mailto);
}

/*
 * json.c: JSON strings and object members (RFC 8259).
 *
 * Strings are escaped per RFC 8259 section 7; input that is not UTF-8
 * is repaired first so the output is always valid JSON.  Members append
 * a leading comma unless they open the object.
 */
#include "config.h"

#include "json.h"

/* The letter RFC 8259 escapes c with after a backslash, or 0. */
static char
json_letter(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\n': return 'n';
	case '\t': return 't';
	case '\r': return 'r';
	}
	return 0;
}

void
json_string(GString *out, const char *s)
{
	g_autofree char *valid = NULL;
	const unsigned char *p;
	char letter;

	if (s == NULL) {
		g_string_append(out, "null");
		return;
	}
	if (!g_utf8_validate(s, -1, NULL))
		s = valid = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((letter = json_letter(*p)) != 0) {
			g_string_append_c(out, '\\');
			g_string_append_c(out, letter);
		} else if (*p < 0x20)
			g_string_append_printf(out, "\\u%04x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, '"');
}

static void
json_name(GString *out, const char *name)
{
	char last = out->len > 0 ? out->str[out->len - 1] : '\0';

	if (last != '{' && last != '[')
		g_string_append_c(out, ',');
	json_string(out, name);
	g_string_append_c(out, ':');
}

void
json_member(GString *out, const char *name, const char *value)
{
	json_name(out, name);
	json_string(out, value);
}

void
json_member_int(GString *out, const char *name, long long value)
{
	json_name(out, name);
	g_string_append_printf(out, "%lld", value);
}

/*
 * One member a name of the NULL-ended names, with the value of the same
 * index: a name that starts with '#' is a number written as text, bare
 * in the output (null when NULL), as revent.c's table and the store's
 * rows hold them.
 */
void
json_members(GString *out, const char *const *names,
    const char *const *values)
{
	guint i;

	for (i = 0; names[i] != NULL; i++) {
		if (names[i][0] != '#' || values[i] == NULL)
			json_member(out, names[i] + (names[i][0] == '#'),
			    values[i]);
		else
			json_member_int(out, names[i] + 1,
			    g_ascii_strtoll(values[i], NULL, 10));
	}
}

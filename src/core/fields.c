/*
 * fields.c: split a block of "Name: value" lines into fields.
 *
 * Lines end in LF, CRLF or a bare CR.  A line starting with white space
 * continues the previous field (RFC 5322 2.2.3 folding; RFC 3464 uses
 * the same for Diagnostic-Code).  A blank line ends a group: RFC 3464
 * separates the per-message block and each per-recipient block so.
 * Lines that are neither a field nor a continuation are skipped: real
 * reports carry stray prose.  One pass, no backtracking; a value is
 * capped at FIELDS_VALUE_MAX bytes so a hostile line costs bounded memory.
 * With headers_only, parsing stops at the first blank line after a field.
 */
#include "config.h"

#include <string.h>

#include "fields.h"

#define FIELD_NAME_MAX 76

/* The field being read: its name still in the buffer, its value apart. */
struct field_open {
	const char	*name;		/* NULL: none open */
	size_t		 namelen;
	int		 group;
};

/* Length of the line at p and, in *next, where the following one starts. */
static size_t
fields_line(const char *p, const char *end, const char **next)
{
	const char *q = memchr(p, '\n', end - p), *cr;

	if (q == NULL)
		q = end;
	if ((cr = memchr(p, '\r', q - p)) != NULL)
		q = cr;
	*next = q;
	if (q < end)
		*next = (*q == '\r' && q + 1 < end && q[1] == '\n') ? q + 2 : q + 1;
	return q - p;
}

static int
fields_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

/* Length of a field name ending in ':' at the start of the line, or 0. */
static size_t
fields_name(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < FIELD_NAME_MAX; i++) {
		if (p[i] == ':')
			return i;
		if (p[i] <= ' ' || p[i] >= 127)
			return 0;
	}
	return 0;
}

static void
fields_append(GString *value, const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || value->len >= FIELDS_VALUE_MAX)
		return;
	if (value->len > 0)
		g_string_append_c(value, ' ');
	if (n > FIELDS_VALUE_MAX - value->len)
		n = FIELDS_VALUE_MAX - value->len;
	g_string_append_len(value, p, n);
}

/* One allocation holds the field and both its strings: one g_free. */
static void
fields_finish(GPtrArray *fields, struct field_open *cur, GString *value)
{
	struct field *f;

	if (cur->name == NULL)
		return;
	f = g_malloc(sizeof(*f) + cur->namelen + 1 + value->len + 1);
	f->name = (char *)(f + 1);
	memcpy(f->name, cur->name, cur->namelen);
	f->name[cur->namelen] = '\0';
	f->value = f->name + cur->namelen + 1;
	memcpy(f->value, value->str, value->len + 1);
	f->group = cur->group;
	g_ptr_array_add(fields, f);
	cur->name = NULL;
	g_string_truncate(value, 0);
}

/* Is the name at p (len bytes) one of only? */
static int
fields_wanted(const char *const *only, const char *p, size_t len)
{
	for (; *only != NULL; only++)
		if (strlen(*only) == len && g_ascii_strncasecmp(*only, p, len) == 0)
			return 1;
	return 0;
}

/*
 * With only (a NULL-terminated list of names), other fields are skipped
 * without a copy: a returned message's Received lines are many.
 */
static GPtrArray *
fields_parse_some(const char *buf, size_t len, int headers_only,
    const char *const *only)
{
	GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
	GString *value = g_string_new(NULL);
	const char *p = buf, *end, *next;
	struct field_open cur = { NULL, 0, 0 };
	int group = 0, seen = 0;
	size_t n, namelen;

	/* An empty part comes as NULL, and even NULL + 0 is undefined. */
	end = len > 0 ? buf + len : buf;
	for (; p < end; p = next) {
		n = fields_line(p, end, &next);
		if (fields_blank(p, n)) {
			fields_finish(fields, &cur, value);
			if (seen && headers_only)
				break;
			if (seen)
				group++;
			seen = 0;
		} else if ((*p == ' ' || *p == '\t') && cur.name != NULL)
			fields_append(value, p, n);
		else if ((namelen = fields_name(p, n)) > 0) {
			fields_finish(fields, &cur, value);
			seen = 1;
			if (only != NULL && !fields_wanted(only, p, namelen))
				continue;	/* its continuation lines too */
			cur.name = p;
			cur.namelen = namelen;
			cur.group = group;
			fields_append(value, p + namelen + 1, n - namelen - 1);
		} else
			fields_finish(fields, &cur, value);
	}
	fields_finish(fields, &cur, value);
	g_string_free(value, TRUE);
	return fields;
}

GPtrArray *
fields_parse(const char *buf, size_t len, int headers_only)
{
	return fields_parse_some(buf, len, headers_only, NULL);
}

/* The header fields named in only (NULL-terminated) of a header block. */
GPtrArray *
fields_parse_headers(const char *buf, size_t len, const char *const *only)
{
	return fields_parse_some(buf, len, 1, only);
}

/* The value of the first field of that name (case-insensitive), or NULL. */
const char *
fields_get(GPtrArray *fields, const char *name)
{
	guint i;

	for (i = 0; i < fields->len; i++) {
		struct field *f = g_ptr_array_index(fields, i);

		if (g_ascii_strcasecmp(f->name, name) == 0)
			return f->value;
	}
	return NULL;
}

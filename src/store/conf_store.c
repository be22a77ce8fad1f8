/*
 * conf_store.c: the database a [store] or a --db names, and its
 * password kept out of sight.
 *
 * A PostgreSQL database is named as libpq names it: a URI
 * (postgresql:// or postgres://) or a key=value string (db_is_url());
 * anything else is a SQLite file.  A password may be in either (a URI's
 * user:password@, or password=): logs, errors, /healthz and the
 * daemon's status show "***" instead (conf_store_shown()), and rebound
 * blanks it in its own arguments, where ps(1) reads them
 * (conf_store_hide()).  A URI that libpq would read otherwise than its
 * writer meant (a password with an unencoded @ or /, a scheme with a
 * typo, a comment after it) is refused before it reaches libpq, whose
 * errors quote the pieces they could not read.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "db.h"

#define CONF_HIDDEN	'\001'	/* a password's byte, in a copy */

const char *
conf_store_where(const struct conf_store *c)
{
	return c->url != NULL ? c->url : c->path;
}

void
conf_store_set(struct conf_store *c, const char *where)
{
	g_clear_pointer(&c->url, g_free);
	if (db_is_url(where))
		c->url = g_strdup(where);
	else {
		g_free(c->path);
		c->path = g_strdup(where);
	}
}

/*
 * A URI's password: after the first ':' of its user part, up to the
 * '@' that ends it: the last before the query's '?', else the last of
 * all (a '?' in the password); NULL if none.  *end: the '@'.
 */
static char *
conf_uri_password(char *s, char **end)
{
	char *auth = strstr(s, "://"), *q, *at = NULL, *p, *colon;

	if (auth == NULL)
		return NULL;
	auth += 3;
	q = auth + strcspn(auth, "?");
	for (p = auth; p < q; p++)
		if (*p == '@')
			at = p;
	if (at == NULL && (at = strrchr(auth, '@')) == NULL)
		return NULL;
	if ((colon = memchr(auth, ':', at - auth)) == NULL)
		return NULL;
	*end = at;
	return colon + 1;
}

/* The end of a password= value at v: '&' in a URI, space in key=value. */
static char *
conf_value_end(char *v)
{
	char *p;

	if (*v != '\'')
		return v + strcspn(v, "& \t");
	for (p = v + 1; *p != '\0' && *p != '\''; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return *p == '\'' ? p + 1 : p;
}

/* Overwrite every password in s with c, byte for byte. */
static void
conf_mask(char *s, char c)
{
	char *p, *end, *v;

	if ((p = conf_uri_password(s, &end)) != NULL)
		memset(p, c, end - p);
	for (p = s; (p = strstr(p, "password")) != NULL; p += 8) {
		if (p > s && strchr("?& \t", p[-1]) == NULL)
			continue;
		v = p + 8 + strspn(p + 8, " \t");
		if (*v != '=')
			continue;
		v += 1 + strspn(v + 1, " \t");
		end = conf_value_end(v);
		memset(v, c, end - v);
	}
}

char *
conf_store_shown(const char *where)
{
	g_autofree char *copy = g_strdup(where);
	GString *s = g_string_new(NULL);
	const char *p;

	conf_mask(copy, CONF_HIDDEN);
	for (p = copy; *p != '\0'; p++)
		if (*p != CONF_HIDDEN)
			g_string_append_c(s, *p);
		else if (p == copy || p[-1] != CONF_HIDDEN)
			g_string_append(s, "***");
	return g_string_free(s, FALSE);
}

void
conf_store_hide(char *arg)
{
	conf_mask(arg, 'x');
}

/* An unencoded @ / ? # or space, or a % not followed by two digits. */
static int
conf_uri_unencoded(const char *p, const char *end)
{
	for (; p < end; p++)
		if (strchr("@/?# \t", *p) != NULL || (*p == '%' &&
		    (!g_ascii_isxdigit(p[1]) || !g_ascii_isxdigit(p[2]))))
			return 1;
	return 0;
}

/*
 * Whether where can be handed to its engine; url: it comes from
 * [store] url, where a SQLite path has no place.  Errors show where
 * as conf_store_shown() does.
 */
int
conf_store_check(const char *where, int url, GError **error)
{
	g_autofree char *copy = g_strdup(where);
	g_autofree char *shown = conf_store_shown(where);
	const char *why = NULL;
	char *pw, *end;

	if (url && (*where == '"' || *where == '\''))
		why = "write it without quotes";
	else if (!db_is_url(where) && strstr(where, "://") != NULL)
		why = "a URI starts postgresql:// or postgres://";
	else if (url && !db_is_url(where))
		why = "want a postgresql:// URI or libpq's key=value form";
	else if (strstr(where, "://") != NULL &&
	    strpbrk(where, " \t") != NULL)
		why = "a URI has no spaces (a comment goes on a line of its own)";
	else if ((pw = conf_uri_password(copy, &end)) != NULL &&
	    conf_uri_unencoded(pw, end))
		why = "percent-encode the password's @ / ? # and % (%40 %2F "
		    "%3F %23 %25), or keep it in ~/.pgpass";
	if (why == NULL)
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", shown,
	    why);
	return 0;
}

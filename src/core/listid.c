/*
 * listid.c: which list a returned message belongs to (listid.h).
 *
 * The returned message's List-Id (RFC 2919) says it when it is there:
 * "News <news.lists.example.org>" is the list news.lists.example.org,
 * which is also what Mailman 3 calls it (list_id).  Else the address the
 * bounce came back to (the VERP address without its subscriber, or the
 * envelope recipient): a list manager's own bounce address,
 * NAME-bounces@DOMAIN (Mailman), NAME-bounce or NAME-owner, is the list
 * NAME@DOMAIN, list id NAME.DOMAIN.  Any other address, such as the
 * generic bounces@, bounce@ or return@ of a site that sends all its
 * lists' mail with one return path, names no list: a wrong list is a
 * list manager asked about someone else's members.
 *
 * Pure: strings in, strings out, lower case.  A value that is not a
 * list id (spaces, no dot, characters no dot-atom has) names no list.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "listid.h"

#define LISTID_MAX	255	/* RFC 2919, 2: the whole list id */

/* A bounce address NAME + one of these names the list NAME. */
static const char *const listid_suffixes[] = {
	"-bounces",	/* Mailman 2 and 3 */
	"-bounce",
	"-owner",	/* Sympa, Majordomo: the list's owner gets bounces */
};

/* Is s a list id: dot-atom text with a dot, as RFC 2919 writes it? */
static int
listid_valid(const char *s)
{
	size_t len = strlen(s);
	const char *p;

	if (len == 0 || len > LISTID_MAX || s[0] == '.' || s[len - 1] == '.' ||
	    strchr(s, '.') == NULL || strstr(s, "..") != NULL)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!ADDR_LOCAL(*p))
			return 0;
	return 1;
}

/* s, lower-cased in place. */
static char *
listid_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	return s;
}

/* s stripped and lower-cased if it is a list id, else NULL; s is taken. */
static char *
listid_checked(char *s)
{
	if (!listid_valid(g_strstrip(s))) {
		g_free(s);
		return NULL;
	}
	return listid_lower(s);
}

/*
 * The id of a List-Id value: what the last <...> holds ("News
 * <news.lists.example.org>", "<news.lists.example.org> (comment)"), or
 * the whole value when it has no angle brackets; NULL if that is not a
 * list id.  g_free'd.
 */
char *
listid_parse(const char *list_id)
{
	const char *open, *close = NULL;

	if (list_id == NULL)
		return NULL;
	if ((open = strrchr(list_id, '<')) != NULL)
		close = strchr(open, '>');
	if (close != NULL)
		return listid_checked(g_strndup(open + 1, close - open - 1));
	return listid_checked(g_strdup(list_id));
}

/* Is local NAME + a list manager's suffix?  Its NAME's length, or 0. */
static size_t
listid_name_len(const char *local, size_t len)
{
	size_t i, n;

	for (i = 0; i < G_N_ELEMENTS(listid_suffixes); i++) {
		n = strlen(listid_suffixes[i]);
		if (len > n && g_ascii_strncasecmp(local + len - n,
		    listid_suffixes[i], n) == 0)
			return len - n;
	}
	return 0;
}

/*
 * The list a bounce address names: NAME-bounces@DOMAIN (and the other
 * suffixes) is NAME.DOMAIN, and *address_r NAME@DOMAIN; any other
 * address, NULL for both.  g_free'd.
 */
char *
listid_of_bounce(const char *bounce, char **address_r)
{
	g_autofree char *addr = addr_normalise(bounce), *id = NULL;
	const char *at;
	size_t name;

	*address_r = NULL;
	if (addr == NULL || (at = strrchr(addr, '@')) == NULL ||
	    (name = listid_name_len(addr, at - addr)) == 0)
		return NULL;
	id = listid_checked(g_strdup_printf("%.*s.%s", (int)name, addr,
	    at + 1));
	if (id != NULL)
		*address_r = listid_lower(g_strdup_printf("%.*s%s",
		    (int)name, addr, at));
	return g_steal_pointer(&id);
}

/*
 * The list of a returned message: its List-Id's id, else the list its
 * bounce address names.  The posting address, for a List-Id, is its
 * List-Post's mailto when that is the same list (NAME@DOMAIN for
 * NAME.DOMAIN), or the bounce address's list when that is.
 */
void
listid_decide(const char *list_id, const char *list_post,
    const char *bounce, struct listid *r)
{
	g_autofree char *post = addr_mailto(list_post), *post_id = NULL;
	g_autofree char *verp_id = NULL, *verp_address = NULL;

	r->id = listid_parse(list_id);
	verp_id = listid_of_bounce(bounce, &verp_address);
	if (r->id == NULL) {
		r->id = g_steal_pointer(&verp_id);
		r->address = g_steal_pointer(&verp_address);
		return;
	}
	post_id = post != NULL ? listid_typed(post) : NULL;
	if (post_id != NULL && strcmp(post_id, r->id) == 0)
		r->address = listid_lower(g_steal_pointer(&post));
	else if (verp_id != NULL && strcmp(verp_id, r->id) == 0)
		r->address = g_steal_pointer(&verp_address);
}

/*
 * What a person means by a list ("rebound list --list L"): its id as
 * typed, a List-Id's value, or its posting address NAME@DOMAIN, which
 * is the id NAME.DOMAIN.  Lower case; a value that is none of these is
 * returned as it is, lower-cased, and matches nothing.  g_free'd.
 */
char *
listid_typed(const char *typed)
{
	char *s, *id, *at;

	if ((id = listid_parse(typed)) != NULL)
		return id;
	s = g_strstrip(g_strdup(typed));
	if ((at = strrchr(s, '@')) != NULL) {
		*at = '.';
		if ((id = listid_parse(s)) != NULL) {
			g_free(s);
			return id;
		}
		*at = '@';
	}
	return listid_lower(s);
}

void
listid_clear(struct listid *r)
{
	g_clear_pointer(&r->id, g_free);
	g_clear_pointer(&r->address, g_free);
}

/*
 * parse_listreply.c: a mailing list's refusal of a post by a non-member.
 *
 * A subscriber's address may itself be a mailing list, and a list that
 * takes posts from its members only answers anyone else with a notice of
 * its own, without a report: fml's "You are not a member of this mailing
 * list", Mailman's "You are not allowed to post to this mailing list".
 * That notice returns the post to the list's address: the list refused
 * the sender (rejected, a reason of the sending side), and the address
 * itself is alive.
 *
 * A message is one only when a list manager sent it (list headers, and a
 * From of the list's owner, admin or request address or a mailer daemon)
 * and its Subject or text says so (phrases.tab, list-refusal).  The
 * list's address is the one in angle brackets after those words ("...
 * mailing list <x@example.org>"), else its List-Post, else the From.
 */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "addr.h"
#include "parse_int.h"
#include "phrases.h"

/* Headers only list managers write. */
static const char *const listreply_headers[] = {
	"List-Id", "List-Post", "List-Subscribe", "Mailing-List",
	"X-ML-Name", "X-MLServer", "X-Mailman-Version"
};

static int
listreply_from_manager(struct report *rp, GMimeMessage *msg)
{
	const char *from = g_mime_object_get_header(GMIME_OBJECT(msg), "From");
	size_t i;

	if (phrases_find("list-manager-address", rp->from, NULL) == NULL &&
	    phrases_find("daemon-address", from, NULL) == NULL)
		return 0;
	for (i = 0; i < G_N_ELEMENTS(listreply_headers); i++)
		if (g_mime_object_get_header(GMIME_OBJECT(msg),
		    listreply_headers[i]) != NULL)
			return 1;
	return 0;
}

static int
listreply_at(void *arg, const char *label, const char *phrase, size_t end)
{
	size_t *at = arg;

	*at = end;
	return 0;
}

/* The address in "<...>" on the rest of the line from p, or NULL. */
static char *
listreply_bracketed(const char *p)
{
	const char *eol = p + strcspn(p, "\n"), *open, *close;
	g_autofree char *inside = NULL;

	if ((open = memchr(p, '<', eol - p)) == NULL ||
	    (close = memchr(open, '>', eol - open)) == NULL ||
	    memchr(open, '@', close - open) == NULL)
		return NULL;
	inside = g_strndup(open, close - open + 1);
	return addr_normalise(inside);
}

/* The list's address: after the words, else List-Post, else From. */
static char *
listreply_address(struct report *rp, GMimeMessage *msg, const char *after)
{
	char *address;

	if (after != NULL && (address = listreply_bracketed(after)) != NULL)
		return address;
	if ((address = addr_mailto(g_mime_object_get_header(GMIME_OBJECT(msg),
	    "List-Post"))) != NULL)
		return address;
	return g_strdup(rp->from);
}

/* The line of text around offset at. */
static char *
listreply_line(const char *text, size_t at)
{
	const char *start = text + at, *end;

	while (start > text && start[-1] != '\n')
		start--;
	end = text + at + strcspn(text + at, "\n");
	return g_strstrip(g_strndup(start, end - start));
}

int
parse_list_refusal(struct report *rp, GMimeMessage *msg)
{
	struct recipient *r;
	size_t at = G_MAXSIZE;
	const char *phrase;
	char *address;

	if (!listreply_from_manager(rp, msg))
		return 0;
	if (rp->text != NULL)
		phrases_each("list-refusal", rp->text, listreply_at, &at);
	if (at == G_MAXSIZE && phrases_find("list-refusal", rp->subject,
	    &phrase) == NULL)
		return 0;
	address = listreply_address(rp, msg, at != G_MAXSIZE ?
	    rp->text + at : NULL);
	if (address == NULL)
		return 0;
	r = report_add_recipient(rp);
	r->address = address;
	r->action = g_strdup("failed");
	r->diagnostic = at != G_MAXSIZE ? listreply_line(rp->text, at) :
	    g_strdup(rp->subject);
	rp->kind = REPORT_HEURISTIC;
	return 1;
}

/*
 * parse_recipients.c: which address failed, once every source has named
 * its recipients.
 *
 * Where a report gives Original-Recipient (RFC 3464 2.3.1: the address
 * the sender gave, before the receiver's aliasing), that is the address
 * the list sent to and the one recorded; Final-Recipient stays in
 * r->final as evidence.  (A VERP envelope decides over both, where the
 * store records the message.)  The list's own addresses
 * (report_is_list_address(): its post address, List-Id, List-Post,
 * bounce address) are never failed recipients, whatever named them: a
 * report whose only failure is the list itself says nothing of any
 * subscriber and is no bounce (REPORT_NONE; the daemon leaves it to a
 * person).  An Original-Recipient that is the list's (a list run as an
 * alias expands list@ to its members) gives way to the Final-Recipient.
 * A challenge-response notice (parse_is_challenge()) keeps only the
 * recipients a report says failed outright.
 */
#include "config.h"

#include <string.h>

#include "parse_int.h"
#include "status.h"

int
parse_recipient_fits(struct report *rp)
{
	if (rp->recipients->len < rp->max_recipients)
		return 1;
	parse_over_limit(rp, "recipients", rp->max_recipients);
	return 0;
}

static void
recipients_choose(struct report *rp, struct recipient *r)
{
	if (r->original == NULL || strchr(r->original, '@') == NULL ||
	    report_is_list_address(rp, r->original))
		return;
	if (r->address != NULL && strcmp(r->address, r->original) == 0)
		return;
	g_free(r->address);
	r->address = g_strdup(r->original);
}

static void
recipients_drop(struct report *rp, int (*drop)(struct report *,
    struct recipient *))
{
	guint i, before = rp->recipients->len;

	for (i = rp->recipients->len; i-- > 0; )
		if (drop(rp, g_ptr_array_index(rp->recipients, i)))
			g_ptr_array_remove_index(rp->recipients, i);
	if (before > 0 && rp->recipients->len == 0)
		rp->kind = REPORT_NONE;
}

static int
recipients_is_list(struct report *rp, struct recipient *r)
{
	return report_is_list_address(rp, r->address);
}

/*
 * In a challenge-response notice, a recipient failed only where a
 * report says so with a specific code (a 5.1.1 of a DSN part beside
 * it), not the notice's own "message held" or a bare x.0.0.
 */
static int
recipients_not_failed(struct report *rp, struct recipient *r)
{
	return r->action == NULL || strcmp(r->action, "failed") != 0 ||
	    status_is_generic(r->status) || status_class(r->status) < 4 ||
	    parse_is_challenge(NULL, r->diagnostic);
}

void
parse_recipients(struct report *rp)
{
	guint i;

	if (rp->kind == REPORT_ARF)
		return;
	for (i = 0; i < rp->recipients->len; i++)
		recipients_choose(rp, g_ptr_array_index(rp->recipients, i));
	recipients_drop(rp, recipients_is_list);
}

/*
 * A challenge-response system's notice: the mailbox exists and holds
 * the post.  Only what a report beside it says failed outright stays;
 * with nothing, it is no bounce.
 */
void
parse_challenge(struct report *rp)
{
	g_autofree char *subject = NULL;
	char *echo;

	if (rp->kind == REPORT_NONE || rp->kind == REPORT_ARF)
		return;
	/* A subject that quotes the post ("Re: ... [verify]") quotes the
	   list's words: only the rest of it counts. */
	subject = g_strdup(rp->subject);
	if (subject != NULL && rp->orig_subject != NULL &&
	    rp->orig_subject[0] != '\0' &&
	    (echo = strstr(subject, rp->orig_subject)) != NULL)
		memset(echo, ' ', strlen(rp->orig_subject));
	if (!parse_is_challenge(subject, rp->text))
		return;
	rp->challenge = 1;
	recipients_drop(rp, recipients_not_failed);
}

/*
 * parse_autoreply.c: is a message without a report an auto-reply?
 *
 * RFC 3834 marks auto-replies with Auto-Submitted: auto-replied; older
 * responders use Precedence: auto_reply, X-Autoreply, X-Autorespond, or
 * only a subject such as "Out of Office" (phrases.tab, autoreply-subject).
 * A message from a mailer daemon, or whose subject says delivery failed
 * (phrases.tab, bounce-subject), is never taken for an auto-reply even if
 * it carries those headers: mail systems mark their notices the same way.
 * A challenge-response system's request that the sender prove to be a
 * person, or a notice asking to be added to an allow list (phrases.tab,
 * challenge), is neither an auto-reply nor a bounce: the mailbox exists.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "parse_int.h"
#include "phrases.h"

static int
autoreply_from_daemon(const char *from)
{
	if (from == NULL)
		return 0;
	return phrases_find("daemon-address", from, NULL) != NULL;
}

static int
autoreply_headers(const char *auto_submitted, const char *precedence)
{
	if (auto_submitted != NULL &&
	    g_ascii_strncasecmp(auto_submitted, "auto-replied", 12) == 0)
		return 1;
	if (precedence != NULL &&
	    g_ascii_strncasecmp(precedence, "auto_reply", 10) == 0)
		return 1;
	return 0;
}

int
parse_is_autoreply(const char *auto_submitted, const char *precedence,
    const char *subject, const char *from, int vendor_flag)
{
	if (autoreply_from_daemon(from) ||
	    phrases_find("bounce-subject", subject, NULL) != NULL)
		return 0;
	if (vendor_flag || autoreply_headers(auto_submitted, precedence))
		return 1;
	return phrases_find("autoreply-subject", subject, NULL) != NULL;
}

/* Where the first challenge phrase ends: the scan stops there. */
static int
challenge_at(void *arg, const char *label, const char *phrase, size_t end)
{
	size_t *first = arg;

	*first = end;
	return 0;
}

/*
 * Do the subject or the prose (before any quoted copy of the post, whose
 * words are the list's) ask the sender to confirm, verify or allow-list?
 * Only the first phrase counts, so where the prose ends is worked out
 * only when there is one: most texts have none, and finding the end is
 * another pass over the text.
 */
int
parse_is_challenge(const char *subject, const char *text)
{
	size_t first = G_MAXSIZE;

	if (subject != NULL && phrases_find("challenge", subject, NULL))
		return 1;
	if (text == NULL)
		return 0;
	phrases_each("challenge", text, challenge_at, &first);
	if (first == G_MAXSIZE)
		return 0;
	return first <= parse_prose_end(text);
}

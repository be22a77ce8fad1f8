/*
 * classify.c: decide, per recipient, why delivery failed and whether
 * the address itself is dead.
 *
 * Evidence in order of trust: the Action (delivered, delayed), a
 * specific enhanced status code (status.tab), the diagnostic text
 * (phrases.tab, section "diagnostic"), a diagnostic of type X-Unix (a
 * local delivery program failed), a status code that servers use for
 * many causes ("weak" in status.tab), the bare SMTP reply code.  The
 * SMTP command refines it: a refusal before MAIL FROM can only be of
 * the sending host, one at MAIL FROM of the host or the sender.
 * A recipient is hard only when the reason says the address is gone
 * (userunknown, hostunknown, hasmoved; notaccept only when permanent:
 * a 5xx, or a failed Action with no code at all), the report is not a
 * delay warning and no 4xx came with it but one about the address
 * (4.1.x).  When in doubt, soft: removing a live subscriber is
 * the worse mistake.
 * Each recipient records what decided it in r->decided.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "classify.h"
#include "classify_int.h"
#include "phrases.h"
#include "remote.h"
#include "status.h"

static int
classify_code_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct classify_code *)entry)->code);
}

/* status.tab's line for code (classify_codes is sorted), or NULL. */
static const struct classify_code *
classify_find(const char *code)
{
	return bsearch(code, classify_codes, classify_ncodes,
	    sizeof classify_codes[0], classify_code_cmp);
}

/* The reason a label of phrases.tab names (test_classify checks each). */
static enum report_reason
classify_reason(const char *label)
{
	enum report_reason reason = REASON_UNDEFINED;

	report_reason_parse(label, &reason);
	return reason;
}

/*
 * The reason status.tab gives for an enhanced status code (exact, then
 * any class), else for the reply code; REASON_UNDEFINED if neither is
 * known.
 */
static enum report_reason
classify_code(const char *status, int replycode, int *weak_r)
{
	const struct classify_code *e = NULL;
	char key[STATUS_MAX + 1];

	if (status != NULL && status[0] != '\0') {
		e = classify_find(status);
		if (e == NULL) {
			g_snprintf(key, sizeof key, "X%s", status + 1);
			e = classify_find(key);
		}
	}
	if (e == NULL && replycode != 0) {
		g_snprintf(key, sizeof key, "%d", replycode);
		e = classify_find(key);
	}
	if (e == NULL)
		return REASON_UNDEFINED;
	*weak_r = e->weak;
	return e->reason;
}

/* classify_code()'s reason by name, or NULL: for "rebound explain". */
const char *
classify_status(const char *status, int replycode, int *weak_r)
{
	enum report_reason reason = classify_code(status, replycode, weak_r);

	return reason == REASON_UNDEFINED ? NULL : report_reason_name(reason);
}

static int
classify_permanent(const char *status, int replycode, const char *action)
{
	if (status != NULL && status[0] != '\0')
		return status_class(status) == 5;
	if (replycode != 0)
		return replycode / 100 == 5;
	return action != NULL && strcmp(action, "failed") == 0;
}

static int
classify_is_dead(enum report_reason reason)
{
	return report_reason_is(reason, REASON_DEAD);
}

int
classify_is_hard(enum report_reason reason, const char *status,
    int replycode, const char *action)
{
	int recipient_code = status != NULL && status_subject(status) == 1;

	if (action != NULL && strcmp(action, "delayed") == 0)
		return 0;
	/*
	 * The remote said it may pass (a 4xx: "450 Requested action not
	 * taken: mailbox unavailable" is a busy mailbox), whatever the
	 * reporter wrote when it gave up retrying (Exim's Status 5.0.0 over
	 * a 450).  Only a code about the address itself ("450 4.1.1 ... User
	 * unknown in virtual alias table", a server that chose a 4xx for an
	 * unknown user) keeps its dead reason, as a weak sign.
	 */
	if (((status != NULL && status_class(status) == 4) ||
	    replycode / 100 == 4) && !recipient_code)
		return 0;
	if (reason == REASON_NOTACCEPT)
		return classify_permanent(status, replycode, action);
	return classify_is_dead(reason);
}

static void
classify_set(struct recipient *r, enum report_reason reason, char *decided)
{
	r->reason = reason;
	g_free(r->decided);
	r->decided = decided;
}

static int
classify_action_is(const struct recipient *r, const char *action)
{
	return r->action != NULL && strcmp(r->action, action) == 0;
}

/* Success notifications: the address works. */
static int
classify_delivered(struct recipient *r)
{
	if (classify_action_is(r, "delivered") ||
	    classify_action_is(r, "relayed") ||
	    classify_action_is(r, "expanded")) {
		classify_set(r, REASON_DELIVERED, g_strdup_printf("action %s",
		    r->action));
		return 1;
	}
	if (status_class(r->status) == 2) {
		classify_set(r, REASON_DELIVERED, g_strdup_printf("status %s",
		    r->status));
		return 1;
	}
	return 0;
}

/* Faults that pass with time: what a message retried until expiry met. */
static int
classify_is_passing(enum report_reason reason)
{
	return reason == REASON_NETWORKERROR || reason == REASON_SYSTEMERROR;
}

/*
 * Where a server says "user unknown" in words any rule can use, does
 * it speak of its own mailboxes?  Only at RCPT, where it looks the
 * address up, is that certain.  In reply to DATA the recipient was
 * accepted and a content filter speaks.  With a status code for a
 * mailbox that exists (x.2), the mail system (x.3) or a policy (x.7),
 * and no sign of RCPT, the code and the words disagree: a rule of the
 * recipient's refused it, and the address may well be alive.
 */
static const char *
classify_not_unknown(const struct recipient *r, const char *clean)
{
	int subject = status_subject(r->status);
	int at_rcpt = r->command != NULL && strcmp(r->command, "RCPT") == 0;

	if (phrases_find("filtered-after-data", clean, NULL) == NULL)
		return NULL;
	if (r->command != NULL && (strcmp(r->command, "DATA") == 0 ||
	    strcmp(r->command, "DATA/RCPT") == 0))
		return "after DATA";
	if (!at_rcpt && (subject == 2 || subject == 3 || subject == 7))
		return "under a code for something else, not at RCPT";
	return NULL;
}

/*
 * Reasons an expiry can name as its cause: the network (refused, timed
 * out, no route), a name that did not resolve, a missing PTR record.
 * "Please try again" and other generic words are no cause.
 */
static int
classify_is_cause(enum report_reason reason)
{
	return reason == REASON_NETWORKERROR || reason == REASON_HOSTUNKNOWN ||
	    reason == REASON_REQUIREPTR;
}

/* The first diagnostic phrase in the text whose reason passes test. */
struct classify_found {
	int		(*test)(enum report_reason);
	enum report_reason reason;
	const char	*phrase;
};

static int
classify_found_one(void *arg, const char *label, const char *phrase,
    size_t end)
{
	struct classify_found *f = arg;
	enum report_reason reason = classify_reason(label);

	if (!f->test(reason))
		return 1;
	f->reason = reason;
	f->phrase = phrase;
	return 0;
}

/* That phrase's reason, REASON_UNDEFINED if none; *phrase_r the phrase. */
static enum report_reason
classify_first(const char *clean, int (*test)(enum report_reason),
    const char **phrase_r)
{
	struct classify_found f = { test, REASON_UNDEFINED, NULL };

	phrases_each("diagnostic", clean, classify_found_one, &f);
	*phrase_r = f.phrase;
	return f.reason;
}

/*
 * A message retried until the sender gave up, and the words say why:
 * the stated cause (connection refused, no route, a DNS failure, no PTR
 * record) is the reason, "expired" only when none is given.  A name
 * that did not resolve for days is the network, not a dead domain.
 */
static enum report_reason
classify_expiry_cause(const char *clean, const char **phrase_r)
{
	const char *phrase;
	enum report_reason reason;

	reason = classify_first(clean, classify_is_cause, &phrase);
	if (reason == REASON_UNDEFINED)
		return REASON_UNDEFINED;
	*phrase_r = phrase;
	return reason == REASON_HOSTUNKNOWN ? REASON_NETWORKERROR : reason;
}

/*
 * What one voice's words say (voice: "remote" for the remote server's
 * own reply, "reporter" for the report's paraphrase), or
 * REASON_UNDEFINED.
 */
static enum report_reason
classify_words(struct recipient *r, const char *words, const char *voice,
    char **decided, int *doubted, int *caused)
{
	g_autofree char *clean = classify_clean(words, r->replycode);
	const char *label, *phrase = NULL, *why, *cause_phrase;
	enum report_reason reason, cause;

	if ((label = phrases_find("diagnostic", clean, &phrase)) == NULL &&
	    (label = phrases_find("reply-word", clean, &phrase)) == NULL)
		return REASON_UNDEFINED;
	reason = classify_reason(label);
	if (reason == REASON_USERUNKNOWN &&
	    (why = classify_not_unknown(r, clean)) != NULL) {
		*doubted = 1;
		*decided = g_strdup_printf("%s \"%s\" %s", voice, phrase, why);
		return REASON_FILTERED;
	}
	if (reason == REASON_EXPIRED && (cause = classify_expiry_cause(clean,
	    &cause_phrase)) != REASON_UNDEFINED) {
		*decided = g_strdup_printf("%s \"%s\", the cause of \"%s\"",
		    voice, cause_phrase, phrase);
		*caused = 1;
		return cause;
	}
	*decided = g_strdup_printf("%s \"%s\"", voice, phrase);
	return reason;
}

/*
 * What the diagnostic text says, or REASON_UNDEFINED: the remote
 * server's own words first, then the report's (*remote_r tells which
 * decided).
 */
static enum report_reason
classify_text(struct recipient *r, const char *remote, char **decided,
    int *doubted, int *caused, int *remote_r)
{
	enum report_reason reason;

	*remote_r = 0;
	if (remote != NULL &&
	    (reason = classify_words(r, remote, "remote", decided, doubted,
	    caused)) != REASON_UNDEFINED) {
		*remote_r = 1;
		return reason;
	}
	if (r->diagnostic == NULL || (remote != NULL &&
	    strcmp(remote, r->diagnostic) == 0))
		return REASON_UNDEFINED;
	return classify_words(r, r->diagnostic, "reporter", decided, doubted,
	    caused);
}

/*
 * A reply that names a DNS blocklist (a zone or its lookup page, read
 * with web addresses kept) refuses the sending host, whatever code sits
 * beside it and whatever the reporter's summary line says.
 */
static int
classify_dnsbl(struct recipient *r, const char *remote)
{
	const char *phrase = NULL;

	if (r->diagnostic == NULL ||
	    phrases_find("dnsbl", r->diagnostic, &phrase) == NULL)
		return 0;
	classify_set(r, REASON_BLOCKED, g_strdup_printf("%s \"%s\": a DNS "
	    "blocklist", remote != NULL && phrases_find("dnsbl", remote,
	    NULL) != NULL ? "remote" : "reporter", phrase));
	return 1;
}

/*
 * A specific status decides, except that the text may show a dead
 * address to be something else (a filter, a blocklist, a full disk):
 * the text can make a bounce soft, never hard.  The remote server's own words outrank a Status
 * that only the reporter wrote (outrank): the reporter paraphrased
 * them.  The SMTP command alone does not outweigh the code: Sendmail's
 * pipelined transcripts show RCPT replies after ">>> DATA".  Returns 1
 * when the text decided, 0 when the status did.
 */
static int
classify_by_status(struct recipient *r, enum report_reason reason,
    enum report_reason text_reason, char **text_decided, int doubted,
    int outrank, int said)
{
	if (text_reason != REASON_UNDEFINED && !doubted && (outrank ||
	    (classify_is_dead(reason) && !classify_is_dead(text_reason)))) {
		classify_set(r, text_reason, g_steal_pointer(text_decided));
		return 1;
	}
	classify_set(r, reason, g_strdup_printf("status %s (%s)", r->status,
	    said ? "remote" : "reporter"));
	return 0;
}

/* Did the remote server itself give the recipient's status code? */
static int
classify_status_said(const struct recipient *r, const char *remote)
{
	return remote != NULL && r->status[0] != '\0' &&
	    strstr(remote, r->status) != NULL;
}

/*
 * A report about one recipient says in its prose, or in its subject
 * ("Returned mail: User unknown"), what its diagnostic may not.
 */
static enum report_reason
classify_report_words(struct report *rp, char **decided)
{
	/* Callers treat what this finds as weak: the prose is no reply. */
	g_autofree char *clean = NULL, *subject = NULL;
	const char *label, *phrase = NULL;

	if (rp->recipients->len != 1)
		return REASON_UNDEFINED;
	clean = classify_report_prose(rp, &subject);
	if ((label = phrases_find("diagnostic", clean, &phrase)) != NULL) {
		*decided = g_strdup_printf("reporter \"%s\"", phrase);
		return classify_reason(label);
	}
	if ((label = phrases_find("diagnostic", subject, &phrase)) != NULL) {
		*decided = g_strdup_printf("subject \"%s\"", phrase);
		return classify_reason(label);
	}
	return REASON_UNDEFINED;
}

/*
 * The reason the sending MTA's own category of the failure gives
 * (status.tab), or REASON_UNDEFINED.  A weak one (a sending service's
 * type, such as SES's bounceSubType) counts only after the diagnostic's
 * words: *weak_r says so.
 */
static enum report_reason
classify_category(const struct recipient *r, int *weak_r)
{
	const struct classify_code *e;

	*weak_r = 0;
	if (r->category == NULL)
		return REASON_UNDEFINED;
	e = classify_find(r->category);
	if (e == NULL)
		return REASON_UNDEFINED;
	*weak_r = e->weak;
	return e->reason;
}

/*
 * A weak code the remote gave that names more than a passing fault
 * ("450 4.7.0" security, "4.2.0" the mailbox) says why a message was
 * retried; one of a dead address is no more than the words beside it,
 * which said nothing known.
 */
static int
classify_code_names_cause(enum report_reason reason, int said)
{
	return said && reason != REASON_UNDEFINED &&
	    !classify_is_passing(reason) && !classify_is_dead(reason);
}

static void
classify_failure(struct report *rp, struct recipient *r)
{
	g_autofree char *text_decided = NULL, *remote = NULL;
	enum report_reason reason, text_reason, category;
	int weak = 0, delayed = classify_action_is(r, "delayed");
	int transient = status_class(r->status) == 4, doubted = 0, by_remote;
	int said, caused = 0, weak_category;
	enum confidence text_confidence = CONFIDENCE_LIKELY;

	r->confidence = CONFIDENCE_LIKELY;
	remote = remote_words(r->diagnostic, r->remote_diagnostic);
	if (!delayed && classify_dnsbl(r, remote))
		return;
	said = classify_status_said(r, remote);
	reason = classify_code(r->status, 0, &weak);
	text_reason = classify_text(r, remote, &text_decided, &doubted,
	    &caused, &by_remote);
	if (text_reason == REASON_UNDEFINED && (reason == REASON_UNDEFINED ||
	    weak)) {
		text_reason = classify_report_words(rp, &text_decided);
		text_confidence = CONFIDENCE_WEAK;
	}
	/*
	 * "Could not be delivered for 4 hours", Exim's "...: retry timeout
	 * exceeded" after the remote's reply: when, not why.
	 */
	if (text_reason == REASON_EXPIRED && weak &&
	    classify_code_names_cause(reason, said))
		text_reason = REASON_UNDEFINED;
	/*
	 * Retried until it gave up (delayed, or failed with a transient
	 * code): a network or system fault behind it is the expiry itself,
	 * unless the words name it as what the expiry came of.
	 */
	if ((delayed || transient) && !caused &&
	    classify_is_passing(text_reason))
		text_reason = REASON_UNDEFINED;
	if (reason != REASON_UNDEFINED && !weak && (!delayed || transient)) {
		if (classify_by_status(r, reason, text_reason, &text_decided,
		    doubted, by_remote && !said, said))
			r->confidence = text_confidence;
	} else if ((category = classify_category(r, &weak_category)) !=
	    REASON_UNDEFINED && !weak_category)
		classify_set(r, category, g_strdup_printf("category %s",
		    r->category));
	else if (text_reason != REASON_UNDEFINED) {
		classify_set(r, text_reason, g_steal_pointer(&text_decided));
		r->confidence = text_confidence;
	} else if (category != REASON_UNDEFINED) {
		/* The service's word alone: a sign, not a certainty. */
		r->confidence = CONFIDENCE_WEAK;
		classify_set(r, category, g_strdup_printf("category %s",
		    r->category));
	} else if (r->local_program)
		classify_set(r, REASON_MAILERERROR,
		    g_strdup("diagnostic-type x-unix"));
	else if (classify_code_names_cause(reason, said)) {
		r->confidence = CONFIDENCE_WEAK;
		classify_set(r, reason, g_strdup_printf("status %s (%s)",
		    r->status, said ? "remote" : "reporter"));
	} else if (delayed)
		classify_set(r, REASON_EXPIRED, g_strdup("action delayed"));
	else if (transient && classify_action_is(r, "failed"))
		classify_set(r, REASON_EXPIRED, g_strdup_printf("status %s, "
		    "action failed", r->status));
	else {
		r->confidence = CONFIDENCE_WEAK;
		if (reason != REASON_UNDEFINED)
			classify_set(r, reason, g_strdup_printf("status %s (%s)",
			    r->status, said ? "remote" : "reporter"));
		else if ((reason = classify_code(NULL, r->replycode,
		    &weak)) != REASON_UNDEFINED)
			classify_set(r, reason, g_strdup_printf("reply %d",
			    r->replycode));
		else
			classify_set(r, REASON_ONHOLD, g_strdup("no evidence"));
	}
}

/*
 * A dead address is certain when the remote server itself gave both a
 * recipient-level permanent code (5.1.x) and words that say the same:
 * two signs from the one party that knows, and nothing against them.
 * classify_may_be_certain() says whether a status code is such a code.
 */
int
classify_may_be_certain(const char *status)
{
	return status != NULL && status[0] != '\0' &&
	    status_class(status) == 5 && status_subject(status) == 1;
}

static void
classify_certain(struct recipient *r)
{
	g_autofree char *remote = NULL, *clean = NULL;
	const char *label;

	if (!r->hard || r->confidence != CONFIDENCE_LIKELY ||
	    !classify_may_be_certain(r->status))
		return;
	remote = remote_words(r->diagnostic, r->remote_diagnostic);
	if (remote == NULL || !classify_status_said(r, remote))
		return;
	clean = classify_clean(remote, r->replycode);
	label = phrases_find("diagnostic", clean, NULL);
	if (label != NULL && classify_reason(label) == r->reason)
		r->confidence = CONFIDENCE_CERTAIN;
}

/* Did the failure come with a transient (4xx) code? */
static int
classify_transient(const struct recipient *r)
{
	return r->status[0] != '\0' ? status_class(r->status) == 4 :
	    r->replycode / 100 == 4;
}

/*
 * A host that cannot be found for now is a network problem; a network
 * problem that ended the delivery with no code at all is the retry
 * period running out.
 */
static void
classify_transient_host(struct recipient *r)
{
	if (classify_transient(r) && r->reason == REASON_HOSTUNKNOWN)
		classify_set(r, REASON_NETWORKERROR, g_strdup_printf("%s; "
		    "a 4xx code: the host may come back", r->decided ?
		    r->decided : report_reason_name(REASON_HOSTUNKNOWN)));
	else if (r->status[0] == '\0' && r->replycode == 0 &&
	    r->reason == REASON_NETWORKERROR &&
	    classify_action_is(r, "failed"))
		classify_set(r, REASON_EXPIRED, g_strdup_printf("%s; "
		    "action failed without a code: retried until it expired",
		    r->decided ? r->decided :
		    report_reason_name(REASON_NETWORKERROR)));
}

/* A reporter without mailboxes cannot know a user to be unknown. */
static void
classify_filtering_reporter(struct report *rp, struct recipient *r)
{
	const char *phrase;

	if (r->reason != REASON_USERUNKNOWN ||
	    phrases_find("filtering-reporter", rp->reporting_mta, &phrase) == NULL)
		return;
	classify_set(r, REASON_FILTERED, g_strdup_printf("reporting-mta \"%s\"",
	    phrase));
}

/* Reasons that say the mailbox exists: disabled, full, out of disk. */
static int
classify_is_alive(enum report_reason reason)
{
	return reason == REASON_SUSPEND || reason == REASON_MAILBOXFULL ||
	    reason == REASON_SYSTEMFULL;
}

/*
 * The reporter's own prose about its one recipient may say that the
 * mailbox exists and cannot take mail for now: disabled, full, out of
 * disk ("The user(s) account is disabled" above a quoted "550 user
 * unknown").  A dead address and a live one cannot both be: when in
 * doubt, soft.
 */
static void
classify_alive_prose(struct report *rp, struct recipient *r)
{
	g_autofree char *clean = NULL;
	const char *phrase;
	enum report_reason reason;

	if (!classify_is_dead(r->reason) || rp->recipients->len != 1 ||
	    rp->text == NULL)
		return;
	clean = classify_report_prose(rp, NULL);
	reason = classify_first(clean, classify_is_alive, &phrase);
	if (reason == REASON_UNDEFINED)
		return;
	r->confidence = CONFIDENCE_WEAK;
	classify_set(r, reason, g_strdup_printf("%s; reporter \"%s\" says "
	    "the mailbox exists", r->decided, phrase));
}

/*
 * What a server can know when it refuses a command.  Before MAIL FROM
 * (at the greeting, or to HELO/EHLO) it knows neither the sender
 * address, the recipient nor the content: the refusal is of the sending
 * host.  At MAIL FROM it knows no recipient yet: "user unknown" there
 * is the sender's address.  Reasons that could only be about what was
 * not yet said become what could be, whatever status code came with
 * them: "553 5.1.1 ... User unknown (in reply to MAIL FROM command)"
 * cannot be about a recipient the server had not been told of, nor
 * "Invalid domain name" in reply to EHLO about the recipient's domain
 * (it is the sending host's own name).
 */
static const enum report_reason classify_need_mail[] = {
	REASON_ONHOLD, REASON_USERUNKNOWN, REASON_HOSTUNKNOWN, REASON_HASMOVED,
	REASON_MAILBOXFULL, REASON_SUSPEND, REASON_FILTERED, REASON_REJECTED,
	REASON_POLICYVIOLATION, REASON_SPAMDETECTED, REASON_VIRUSDETECTED,
	REASON_CONTENTERROR, REASON_MESGTOOBIG, REASON_EXCEEDLIMIT,
	REASON_NOTCOMPLIANTRFC, REASON_UNDEFINED
};
static const enum report_reason classify_need_rcpt[] = {
	REASON_ONHOLD, REASON_USERUNKNOWN, REASON_HOSTUNKNOWN, REASON_HASMOVED,
	REASON_MAILBOXFULL, REASON_SUSPEND, REASON_FILTERED, REASON_UNDEFINED
};
/*
 * After RCPT the other way round: a server that knows a mailbox is
 * missing says so at RCPT (RFC 5321 §3.3), so "user unknown" in reply
 * to DATA or to the message is a content filter's, whatever code came
 * with it (Postfix "in reply to end of DATA command", Exim "after end
 * of data", a transcript's ">>> ." or ">>> DATA").
 */
static const enum report_reason classify_said_at_rcpt[] = {
	REASON_USERUNKNOWN, REASON_UNDEFINED
};
static const struct {
	const char			*command;
	enum report_reason		 instead;
	const enum report_reason	*cannot;	/* to REASON_UNDEFINED */
} classify_phase[] = {
	{ "CONN", REASON_BLOCKED, classify_need_mail },
	{ "HELO", REASON_BLOCKED, classify_need_mail },
	{ "MAIL", REASON_REJECTED, classify_need_rcpt },
	{ "DATA", REASON_FILTERED, classify_said_at_rcpt },
};

static void
classify_by_command(struct recipient *r)
{
	const enum report_reason *cannot;
	size_t i;

	if (r->command == NULL)
		return;
	for (i = 0; i < G_N_ELEMENTS(classify_phase); i++) {
		if (strcmp(r->command, classify_phase[i].command) != 0)
			continue;
		for (cannot = classify_phase[i].cannot;
		    *cannot != REASON_UNDEFINED; cannot++)
			if (r->reason == *cannot) {
				classify_set(r, classify_phase[i].instead,
				    g_strdup_printf("%s at %s", r->decided,
				    r->command));
				return;
			}
	}
}

/*
 * A challenge-response system's notice (report.h) says the mailbox
 * exists: whatever a report beside it says failed is never a dead
 * address.  (The list's own addresses never reach here: the parser
 * drops them, parse_recipients.c.)
 */
static void
classify_challenge(const struct report *rp, struct recipient *r)
{
	if (!rp->challenge || !r->hard)
		return;
	r->hard = 0;
	classify_set(r, r->reason, g_strdup_printf("%s; in a challenge-"
	    "response notice, never a dead address", r->decided));
}

static void
classify_recipient(struct report *rp, struct recipient *r)
{
	switch (rp->kind) {
	case REPORT_ARF:
		classify_set(r, REASON_FEEDBACK, g_strdup_printf(
		    "feedback-type %s", rp->feedback_type ? rp->feedback_type :
		    "unknown"));
		r->hard = 0;
		r->confidence = CONFIDENCE_CERTAIN;
		return;
	case REPORT_AUTOREPLY:
		classify_set(r, REASON_VACATION, g_strdup("auto-reply"));
		r->hard = 0;
		r->confidence = CONFIDENCE_CERTAIN;
		return;
	default:
		break;
	}
	r->confidence = CONFIDENCE_CERTAIN;
	if (!classify_delivered(r)) {
		classify_failure(rp, r);
		classify_transient_host(r);
		classify_filtering_reporter(rp, r);
		classify_alive_prose(rp, r);
		classify_by_command(r);
	}
	r->hard = classify_is_hard(r->reason, r->status, r->replycode,
	    r->action);
	classify_challenge(rp, r);
	classify_certain(r);
	/*
	 * A recipient the prose never speaks of was only guessed; a dead
	 * address in a transient reply ("450 4.1.1", a lookup the server
	 * could not finish) is no more than a sign.
	 */
	if ((rp->kind == REPORT_HEURISTIC && r->diagnostic == NULL) ||
	    (r->hard && classify_transient(r)))
		r->confidence = CONFIDENCE_WEAK;
}

static enum report_class classify_class(enum report_kind,
    const struct recipient *);

/* Each recipient's reason, hard/soft and evidence, then its class. */
void
classify_report(struct report *rp)
{
	struct recipient *r;
	guint i;

	for (i = 0; i < rp->recipients->len; i++) {
		r = g_ptr_array_index(rp->recipients, i);
		classify_recipient(rp, r);
		r->class = classify_class(rp->kind, r);
	}
}

/*
 * The class of an outcome, as the policy counts it: a dead address
 * (hard), a failure that may pass (soft), a delay notice (delay), a
 * failure of the sending side that says nothing about the subscriber
 * (sender), a complaint, a delivery, an auto-reply.
 */
static enum report_class
classify_class(enum report_kind kind, const struct recipient *r)
{
	if (kind == REPORT_ARF)
		return CLASS_COMPLAINT;
	if (kind == REPORT_AUTOREPLY)
		return CLASS_VACATION;
	if (r->reason == REASON_DELIVERED)
		return CLASS_DELIVERED;
	if (classify_action_is(r, "delayed"))
		return CLASS_DELAY;
	if (r->hard)
		return CLASS_HARD;
	if (report_reason_is(r->reason, REASON_SENDER))
		return CLASS_SENDER;
	return CLASS_SOFT;
}

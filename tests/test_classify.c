/*
 * test_classify.c: reason and hard/soft from status, reply code and
 * Action, as ../shared/corpus/README.md defines them.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "classify.h"
#include "report.h"

struct classify_case {
	const char	*action;
	const char	*status;
	int		 replycode;
	const char	*diagnostic;
	const char	*reason;
	int		 hard;
	const char	*decided;
};

static const struct classify_case cases[] = {
	{ "failed", "5.1.1", 550, NULL, "userunknown", 1, "status 5.1.1" },
	{ "failed", "4.1.1", 450, NULL, "userunknown", 1, "status 4.1.1" },
	{ "failed", "4.0.0", 0, "host unknown", "networkerror", 0,
	  "diagnostic \"host unknown\"; a 4xx code: the host may come back" },
	{ "failed", "4.3.2", 421, NULL, "expired", 0,
	  "status 4.3.2, action failed" },
	{ "failed", "5.0.0", 521, NULL, "notaccept", 1, "reply 521" },
	{ "failed", "5.1.1", 550, "550 5.1.1 IP blacklisted by recipient", "blocked", 0,
	  "diagnostic \"blacklist\"" },
	{ "failed", "5.1.2", 0, NULL, "hostunknown", 1, "status 5.1.2" },
	{ "failed", "5.1.6", 0, NULL, "hasmoved", 1, "status 5.1.6" },
	{ "failed", "5.1.10", 0, NULL, "notaccept", 1, "status 5.1.10" },
	{ "failed", "5.2.2", 552, NULL, "mailboxfull", 0, "status 5.2.2" },
	{ "failed", "5.3.4", 0, NULL, "mesgtoobig", 0, "status 5.3.4" },
	{ "failed", "5.4.7", 0, NULL, "expired", 0, "status 5.4.7" },
	{ "failed", "4.4.7", 0, NULL, "expired", 0, "status 4.4.7" },
	{ "failed", "5.7.26", 550, NULL, "authfailure", 0, "status 5.7.26" },
	{ "failed", "5.7.25", 550, NULL, "requireptr", 0, "status 5.7.25" },
	{ "failed", "5.7.1", 550, NULL, "securityerror", 0, "status 5.7.1" },
	{ "failed", "", 552, NULL, "mailboxfull", 0, "reply 552" },
	{ "failed", "", 550, NULL, "onhold", 0, "reply 550" },
	{ "failed", "", 0, NULL, "onhold", 0, "no evidence" },
	{ "delayed", "4.4.1", 0, NULL, "expired", 0, "action delayed" },
	{ "delayed", "4.2.2", 0, NULL, "mailboxfull", 0, "status 4.2.2" },
	{ "delayed", "5.1.1", 0, NULL, "expired", 0, "action delayed" },
	{ "delivered", "2.0.0", 250, NULL, "delivered", 0, "action delivered" },
	{ "relayed", "", 0, NULL, "delivered", 0, "action relayed" },
	{ NULL, "2.1.5", 0, NULL, "delivered", 0, "status 2.1.5" },
	/* Words of a web address are no evidence. */
	{ "failed", "5.0.0", 550, "550 5.0.0 <x@example.org>: mailbox not "
	  "found, see https://help.example.net/errors/#filtered-spam",
	  "userunknown", 1, "diagnostic \"mailbox not found\"" },
	/* Provider and MTA wordings. */
	{ "failed", "", 0, "User Jo Example not listed in Domino Directory",
	  "userunknown", 1, "diagnostic \"not listed in domino directory\"" },
	/* Wordings of more servers, each grouped by what it means. */
	{ "failed", "5.0.0", 550, "550 Protocol violation", "policyviolation",
	  0, "diagnostic \"protocol violation\"" },
	{ "failed", "5.0.0", 553, "553 BATV failed to verify the bounce",
	  "rejected", 0, "diagnostic \"batv failed\"" },
	{ "failed", "5.0.0", 550, "550 Quota violation for jo@example.org",
	  "mailboxfull", 0, "diagnostic \"quota violation\"" },
	{ "failed", "5.0.0", 554, "554 This is not an open relay, so get lost",
	  "norelaying", 0, "diagnostic \"not an open relay\"" },
	{ "failed", "5.0.0", 550, "550 Recipient domain must exist",
	  "hostunknown", 1, "diagnostic \"recipient domain must exist\"" },
	{ "failed", "5.0.0", 501, "501 Sender domain must exist",
	  "rejected", 0, "diagnostic \"sender domain\"" },
	{ "failed", "5.0.0", 550, "550 This email address is wrong or no "
	  "longer valid", "userunknown", 1,
	  "diagnostic \"wrong or no longer valid\"" },
	{ "failed", "5.0.0", 550, "550 nessun utente simile in questo "
	  "indirizzo", "userunknown", 1, "diagnostic \"nessun utente simile\"" },
	{ "failed", "5.0.0", 553, "553 sorry, this recipient is not in my "
	  "validrcptto list", "userunknown", 1,
	  "diagnostic \"validrcptto list\"" },
	{ "failed", "4.7.1", 450, "450 4.7.1 Error: too much mail from "
	  "192.0.2.1", "speeding", 0, "diagnostic \"too much mail from\"" },
	{ "failed", "5.6.11", 550, "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal",
	  "contenterror", 0, "status 5.6.11" },
	{ "failed", "5.7.1", 550, "550-5.7.1 The IP you're using to send mail "
	  "is not authorized to send email directly to our servers.",
	  "blocked", 0,
	  "diagnostic \"not authorized to send email directly\"" },
	{ "failed", "5.7.1", 550, "550 5.7.1 Recipient mailbox rejected the "
	  "message per its owner's filter settings", "filtered", 0,
	  "diagnostic \"filter settings\"" },
	/* Other languages. */
	{ "failed", "5.0.0", 550, "550 Empf\xc3\xa4nger unbekannt",
	  "userunknown", 1, "diagnostic \"empf\xc3\xa4nger unbekannt\"" },
	{ "failed", "5.0.0", 550, "550 Bo\xc3\xaete aux lettres pleine",
	  "mailboxfull", 0,
	  "diagnostic \"bo\xc3\xaete aux lettres pleine\"" },
	/* A route or a DNS failure is no unknown host or user. */
	{ "failed", "5.0.0", 550, "550 connect to mx.example.net[192.0.2.7]:25:"
	  " No route to host", "networkerror", 0,
	  "diagnostic \"no route to host\"" },
	{ "failed", "5.4.0", 0, "#5.4.0 DNS records for the destination "
	  "computer could not be found", "networkerror", 0,
	  "diagnostic \"dns records for the destination computer\"" },
	/* Postfix's reject_unknown_recipient_domain, made permanent. */
	{ "failed", "5.0.0", 550, "550 5.1.2 <a@nxdomain.example>: Recipient "
	  "address rejected: Domain not found", "hostunknown", 1,
	  "diagnostic \"domain not found\"" },
	/* The sending host's HELO name is no recipient's address. */
	{ "failed", "5.0.0", 550, "550 Your HELO name mx.example.org does "
	  "not exist", "blocked", 0, "diagnostic \"helo name\"" },
	/* Exim's sender verification: the address that failed is ours. */
	{ "failed", "5.0.0", 550, "550-Verification failed for "
	  "<bounces@example.org> 550-Unrouteable address", "rejected", 0,
	  "diagnostic \"verification failed for\"" },
	/* Asking to check the address blames the address, but weakly: any
	 * other wording outranks it. */
	{ "failed", "", 0, "Unable to deliver message to <jo@example.org>. "
	  "Please check if address is correct.", "userunknown", 1,
	  "diagnostic \"check if address is correct\"" },
	{ "failed", "", 0, "Connection timed out. Please check the e-mail "
	  "address and try again.", "expired", 0,
	  "diagnostic \"connection timed out\"; action failed without a "
	  "code: retried until it expired" },
	{ "failed", "5.0.0", 550, "550 Our IP is not listed in your allowed "
	  "senders", "blocked", 0, "diagnostic \"listed in\"" },
	{ "failed", "5.0.0", 554, "554 Service currently unavailable",
	  "systemerror", 0, "diagnostic \"service currently unavailable\"" },
	{ "failed", "5.7.0", 554, "554 5.7.0 Rejected, ref=42 - SPAM",
	  "spamdetected", 0, "diagnostic \"spam\"" },
	{ "failed", "5.5.0", 550, "550 helo name [mx.example.net] mismatches "
	  "client ip 192.0.2.9", "requireptr", 0,
	  "diagnostic \"mismatches client ip\"" },
	{ "delayed", "4.0.0", 450, "450 we take 3 unverifyable sending IPs "
	  "only", "requireptr", 0, "diagnostic \"unverifyable sending ip\"" },
	{ "failed", "5.0.0", 554, "554 Host network not allowed - see the "
	  "gateway's policy", "policyviolation", 0,
	  "diagnostic \"host network not allowed\"" },
	{ "failed", "5.0.0", 554, "554 Message rejected: Email address is "
	  "not verified.", "norelaying", 0,
	  "diagnostic \"email address is not verified\"" },
	{ "failed", "5.2.0", 550, "550 5.2.0 From: header domain is invalid. "
	  "Please provide a valid From: address", "rejected", 0,
	  "diagnostic \"provide a valid from\"" },
	{ "failed", "5.0.0", 500, "500 Line limit exceeded", "mesgtoobig", 0,
	  "diagnostic \"line limit exceeded\"" },
	/* Exim and Postfix: the domain's mail hosts, a loop. */
	{ "failed", "", 0, "all relevant MX records point to non-existent "
	  "hosts", "hostunknown", 1,
	  "diagnostic \"mx records point to non-existent hosts\"" },
	{ "failed", "5.0.0", 0, "mail forwarding loop for x@example.org",
	  "networkerror", 0, "diagnostic \"mail forwarding loop\"" },
	/* A failed name server, the sender's SPF: never a dead domain. */
	{ "failed", "5.4.4", 554, "554 5.4.4 Unable to look up MX record for "
	  "example.com: SERVFAIL", "networkerror", 0,
	  "diagnostic \"servfail\"" },
	{ "failed", "5.7.1", 550, "550 5.7.1 SPF permerror: too many DNS "
	  "lookups", "authfailure", 0, "diagnostic \"spf\"" },
	{ "failed", "5.0.0", 501, "501 Invalid domain name in HELO",
	  "blocked", 0, "diagnostic \"in helo\"" },
	{ "failed", "5.0.0", 550, "550 No MX record for domain of sender",
	  "rejected", 0, "diagnostic \"domain of sender\"" },
	/* A name that does not exist, a mailbox unknown: still hard. */
	{ "failed", "5.0.0", 0, "DNS Error: DNS type 'mx' lookup of "
	  "example.com responded with code NXDOMAIN", "hostunknown", 1,
	  "diagnostic \"nxdomain\"" },
	{ "failed", "5.0.0", 550, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
	  "Recipient not found by SMTP address lookup", "userunknown", 1,
	  "diagnostic \"recipient not found\"" },
	/* RFC 7505: 5.7.27 is the sender's null MX; the text may say more. */
	{ "failed", "5.7.27", 550, NULL, "rejected", 0, "status 5.7.27" },
	{ "failed", "5.7.27", 550, "550 Host does not accept mail",
	  "notaccept", 1, "diagnostic \"does not accept mail\"" },
	/* Postfix's probe of the address had not finished. */
	{ "failed", "4.1.1", 450, "450 4.1.1 <x@example.org>: Recipient "
	  "address rejected: unverified address: Address verification in "
	  "progress", "expired", 0,
	  "diagnostic \"address verification in progress\"" },
	/*
	 * Wordings the providers and MTAs document, one case per group of
	 * phrases.tab (the comment there names the source).
	 */
	{ "failed", "4.0.0", 451, "451 VS1-MF Excessive unknown recipients - "
	  "possible Open Relay (#4.4.5)", "badreputation", 0,
	  "diagnostic \"excessive unknown recipients\"" },
	{ "failed", "4.2.1", 450, "450-4.2.1 The user you are trying to "
	  "contact is receiving mail too quickly. Please resend your message "
	  "at a later time.", "speeding", 0,
	  "diagnostic \"receiving mail too quickly\"" },
	{ "failed", "5.0.0", 550, "550 5.4.5 Daily user sending quota "
	  "exceeded.", "speeding", 0, "diagnostic \"sending quota\"" },
	{ "failed", "5.0.0", 550, "550 5.2.121 Recipient's per hour message "
	  "receive limit from specific sender exceeded", "speeding", 0,
	  "diagnostic \"message receive limit\"" },
	{ "failed", "5.0.0", 421, "421 Max message per connection reached, "
	  "closing transmission channel", "toomanyconn", 0,
	  "diagnostic \"max message per connection\"" },
	{ "failed", "5.0.0", 550, "550 5.7.9 This mail has been blocked "
	  "because the sender is unauthenticated.", "authfailure", 0,
	  "diagnostic \"sender is unauthenticated\"" },
	{ "failed", "5.0.0", 554, "554-No SMTP service 554-Bad DNS PTR "
	  "resource record", "requireptr", 0, "diagnostic \"dns ptr\"" },
	{ "failed", "5.0.0", 553, "553 Relaying disallowed", "norelaying", 0,
	  "diagnostic \"relaying disallowed\"" },
	{ "failed", "5.0.0", 0, "TLS is required, but was not offered by host "
	  "mx.example.net[192.0.2.7]", "securityerror", 0,
	  "diagnostic \"tls is required\"" },
	{ "failed", "5.0.0", 553, "553 5.7.1 [BL21] Connections will not be "
	  "accepted from 192.0.2.5, because the ip is in a list",
	  "blocked", 0, "diagnostic \"connections will not be accepted from\"" },
	{ "failed", "5.0.0", 550, "550 Anti-Spoofing policy - Inbound not "
	  "allowed", "policyviolation", 0, "diagnostic \"anti-spoofing policy\"" },
	{ "failed", "5.0.0", 554, "554 Maximum email size exceeded",
	  "mesgtoobig", 0, "diagnostic \"email size exceeded\"" },
	{ "failed", "5.0.0", 0, "cannot update mailbox /var/mail/jo for user "
	  "jo. error writing message: File too large", "mailboxfull", 0,
	  "diagnostic \"error writing message: file too large\"" },
	{ "failed", "5.0.0", 0, "Cannot send message for 5 days",
	  "expired", 0, "diagnostic \"cannot send message for\"" },
	{ "failed", "5.0.0", 550, "550 5.4.4 SMTPSEND.DNS.NonExistentDomain; "
	  "nonexistent domain", "hostunknown", 1,
	  "diagnostic \"nonexistentdomain\"" },
	{ "failed", "5.0.0", 0, "The recipient's e-mail address was not found "
	  "in the recipient's e-mail system.", "userunknown", 1,
	  "diagnostic \"address was not found in the recipient's\"" },
	{ "failed", "5.0.0", 0, "lowest numbered MX record points to local "
	  "host", "networkerror", 0,
	  "diagnostic \"mx record points to local host\"" },
	{ "failed", "5.0.0", 550, "550 OU-001 (EX0PR01MB0001) Unfortunately, "
	  "messages from 192.0.2.5 weren't sent. Please contact your Internet "
	  "service provider.",
	  "blocked", 0, "diagnostic \"contact your internet service provider\"" },
	{ "failed", "5.0.0", 0, "Deferred: Connection refused by "
	  "mx.example.net.", "networkerror", 0,
	  "diagnostic \"connection refused\"" },
};

/* What the command a reply answered says about it. */
static const struct {
	const char	*command;
	const char	*status;
	int		 replycode;
	const char	*diagnostic;
	const char	*reason;
	const char	*decided;
} command_cases[] = {
	/* Before MAIL FROM nothing but the sending host is known. */
	{ "HELO", "5.0.0", 550, "550 Go away", "blocked", "reply 550 at HELO" },
	{ "CONN", "5.0.0", 550, "550 Access denied", "blocked",
	  "diagnostic \"access denied\" at CONN" },
	{ "CONN", "5.0.0", 554, "554 no reverse DNS for your address",
	  "requireptr", "diagnostic \"reverse dns\"" },
	{ "CONN", "5.7.25", 550, "550 5.7.25 Go away", "requireptr",
	  "status 5.7.25" },
	{ "RCPT", "5.0.0", 550, "550 Access denied", "rejected",
	  "diagnostic \"access denied\"" },
	/* At MAIL FROM no recipient is known: the sender is unknown. */
	{ "MAIL", "5.0.0", 550, "550 unknown user", "rejected",
	  "diagnostic \"unknown user\" at MAIL" },
	{ "MAIL", "", 553, "553 go away", "rejected", "reply 553 at MAIL" },
	/* ... whatever status code came with it. */
	{ "MAIL", "5.1.1", 553, "553 5.1.1 <bounces@example.org>... User "
	  "unknown", "rejected", "status 5.1.1 at MAIL" },
	{ "MAIL", "4.7.0", 421, "421 4.7.0 [TS01] Mail from 192.0.2.5 is "
	  "deferred due to user complaints", "badreputation",
	  "diagnostic \"deferred due to user complaints\"" },
	{ "RCPT", "5.7.1", 550, "550 5.7.1 <mx.local>: Helo command "
	  "rejected: Host not found", "blocked",
	  "diagnostic \"helo command rejected\"" },
	/* "No such user" to DATA is a content filter speaking. */
	{ "DATA", "5.0.0", 550, "550 No such user", "filtered",
	  "diagnostic \"no such user\" after DATA" },
	/*
	 * "User unknown" under a code for a mailbox that exists, the mail
	 * system or a policy: unknown only when refused at RCPT.
	 */
	{ NULL, "5.2.1", 550, "550 5.2.1 <x@example.org>... User Unknown",
	  "filtered", "diagnostic \"user unknown\" under a code for "
	  "something else, not at RCPT" },
	{ NULL, "5.7.1", 550, "550 5.7.1 550 User Unknown", "filtered",
	  "diagnostic \"user unknown\" under a code for something else, "
	  "not at RCPT" },
	{ NULL, "5.3.0", 550, "550 Unknown user", "filtered",
	  "diagnostic \"unknown user\" under a code for something else, "
	  "not at RCPT" },
};

/* The same, refused at RCPT: the server looked the address up. */
static const struct {
	const char	*status;
	const char	*diagnostic;
} rcpt_unknown_cases[] = {
	{ "5.2.1", "550 5.2.1 <x@example.org>... User Unknown" },
	{ "5.7.1", "550 5.7.1 User unknown" },
	/* A generic code does not contradict the words. */
	{ "5.0.0", "550 No such user" },
	{ "", "550 No such user" },
};

/* A DSN report of one failed recipient, as the parser would leave it. */
static struct report *
one_recipient(const char *action, const char *status, int replycode,
    const char *diagnostic, struct recipient **r_r)
{
	struct report *rp = report_new();
	struct recipient *r = report_add_recipient(rp);

	rp->kind = REPORT_DSN;
	r->action = g_strdup(action);
	g_strlcpy(r->status, status, sizeof r->status);
	r->replycode = replycode;
	r->diagnostic = g_strdup(diagnostic);
	*r_r = r;
	return rp;
}

static void
test_dsn_cases(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct classify_case *c = &cases[i];
		struct recipient *r;
		struct report *rp = one_recipient(c->action, c->status,
		    c->replycode, c->diagnostic, &r);

		classify_report(rp);
		if (strcmp(r->reason, c->reason) != 0 || r->hard != c->hard)
			g_test_message("case %zu (%s %s %d): got %s/%d want %s/%d",
			    i, c->action, c->status, c->replycode, r->reason,
			    r->hard, c->reason, c->hard);
		g_assert_cmpstr(r->reason, ==, c->reason);
		g_assert_cmpint(r->hard, ==, c->hard);
		g_assert_cmpstr(r->decided, ==, c->decided);
		report_free(&rp);
	}
}

static void
test_command_cases(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(command_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient("failed",
		    command_cases[i].status, command_cases[i].replycode,
		    command_cases[i].diagnostic, &r);

		r->command = command_cases[i].command;
		classify_report(rp);
		g_test_message("command case %zu: got %s (%s)", i, r->reason,
		    r->decided);
		g_assert_cmpstr(r->reason, ==, command_cases[i].reason);
		g_assert_cmpint(r->hard, ==, 0);
		g_assert_cmpstr(r->decided, ==, command_cases[i].decided);
		report_free(&rp);
	}
}

static void
test_rcpt_unknown(void)
{
	const char *commands[] = { "RCPT", NULL };
	size_t i, j;

	for (i = 0; i < G_N_ELEMENTS(rcpt_unknown_cases); i++)
		for (j = 0; j < G_N_ELEMENTS(commands); j++) {
			struct recipient *r;
			struct report *rp;

			/* Without a command only the generic codes stay. */
			if (commands[j] == NULL &&
			    rcpt_unknown_cases[i].status[0] != '\0' &&
			    strcmp(rcpt_unknown_cases[i].status, "5.0.0") != 0)
				continue;
			rp = one_recipient("failed", rcpt_unknown_cases[i].status,
			    550, rcpt_unknown_cases[i].diagnostic, &r);
			r->command = commands[j];
			classify_report(rp);
			g_test_message("rcpt case %zu/%zu: %s (%s)", i, j,
			    r->reason, r->decided);
			g_assert_cmpstr(r->reason, ==, "userunknown");
			g_assert_cmpint(r->hard, ==, 1);
			report_free(&rp);
		}
}

/*
 * PowerMTA's own category of the reply decides where the status code
 * is weak, before the words; a specific code still outranks it.
 */
static void
test_category(void)
{
	static const struct {
		const char *status, *category, *diagnostic, *reason, *decided;
	} category_cases[] = {
		{ "5.2.1", "bad-mailbox", "550 5.2.1 <x@example.org>... "
		  "User Unknown", "userunknown", "category bad-mailbox" },
		{ "5.0.0", "quota-issues", "550 over the limit", "mailboxfull",
		  "category quota-issues" },
		{ "5.1.1", "spam-related", NULL, "userunknown", "status 5.1.1" },
		/* "other" says nothing: the words decide. */
		{ "5.0.0", "other", "550 mailbox unavailable", "userunknown",
		  "diagnostic \"mailbox unavailable\"" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(category_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient("failed",
		    category_cases[i].status, 550, category_cases[i].diagnostic,
		    &r);

		r->category = g_strdup(category_cases[i].category);
		classify_report(rp);
		g_assert_cmpstr(r->reason, ==, category_cases[i].reason);
		g_assert_cmpstr(r->decided, ==, category_cases[i].decided);
		report_free(&rp);
	}
}

/*
 * The reporter's prose saying the one recipient's mailbox exists
 * (disabled, full) makes a quoted "user unknown" soft; prose about
 * something else does not.
 */
static void
test_alive_prose(void)
{
	static const struct {
		const char *text, *reason;
		int hard;
	} prose_cases[] = {
		{ "The user(s) account is disabled.\n\n<x@example.org>: 550 "
		  "user unknown (in reply to RCPT TO command)", "suspend", 0 },
		{ "Your message was rejected: Not enough disk space",
		  "systemfull", 0 },
		{ "I'm sorry to have to inform you that the message could "
		  "not be delivered.", "userunknown", 1 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(prose_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient("failed", "5.1.1", 550,
		    "550 5.1.1 <x@example.org>... User unknown", &r);

		rp->text = g_strdup(prose_cases[i].text);
		classify_report(rp);
		g_test_message("prose case %zu: %s (%s)", i, r->reason,
		    r->decided);
		g_assert_cmpstr(r->reason, ==, prose_cases[i].reason);
		g_assert_cmpint(r->hard, ==, prose_cases[i].hard);
		report_free(&rp);
	}
}

/*
 * A diagnostic of type X-Unix is the exit of a local delivery program:
 * its failure, unless its words say more.
 */
static void
test_local_program(void)
{
	static const struct {
		const char *action, *status, *diagnostic, *reason, *decided;
	} local_cases[] = {
		{ "delayed", "4.5.0", "75", "mailererror",
		  "diagnostic-type x-unix" },
		{ "failed", "4.3.0", "temporary failure", "mailererror",
		  "diagnostic-type x-unix" },
		{ "failed", "5.3.0", "user quota exceeded", "mailboxfull",
		  "diagnostic \"quota exceeded\"" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(local_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient(local_cases[i].action,
		    local_cases[i].status, 0, local_cases[i].diagnostic, &r);

		r->local_program = 1;
		classify_report(rp);
		g_assert_cmpstr(r->reason, ==, local_cases[i].reason);
		g_assert_cmpstr(r->decided, ==, local_cases[i].decided);
		report_free(&rp);
	}
}

/* A bare "spam" counts in the remote reply, not in the bounce's prose. */
static void
test_reply_word(void)
{
	struct report *rp = report_new();
	struct recipient *r = report_add_recipient(rp);

	rp->kind = REPORT_DSN;
	rp->text = g_strdup("Every message here is scanned for spam.");
	r->action = g_strdup("failed");
	r->replycode = 550;
	classify_report(rp);
	g_assert_cmpstr(r->reason, ==, "onhold");
	r->diagnostic = g_strdup("550 Rejected - SPAM");
	classify_report(rp);
	g_assert_cmpstr(r->reason, ==, "spamdetected");
	g_assert_cmpstr(r->decided, ==, "diagnostic \"spam\"");
	report_free(&rp);
}

static void
test_kinds(void)
{
	struct report *rp = report_new();
	struct recipient *r = report_add_recipient(rp);

	rp->kind = REPORT_ARF;
	rp->feedback_type = g_strdup("abuse");
	g_strlcpy(r->status, "5.1.1", sizeof r->status);
	classify_report(rp);
	g_assert_cmpstr(r->reason, ==, "feedback");
	g_assert_cmpint(r->hard, ==, 0);
	g_assert_cmpstr(r->decided, ==, "feedback-type abuse");
	rp->kind = REPORT_AUTOREPLY;
	classify_report(rp);
	g_assert_cmpstr(r->reason, ==, "vacation");
	report_free(&rp);
	g_assert_null(rp);
}

/*
 * Wordings about the sending side that also hold words of a dead
 * mailbox ("does not exist", "no such user", "not found"): never hard,
 * whatever reason they get.  Removing a live subscriber because the
 * list's own address or host was refused is the mistake not to make.
 */
static const char *const never_hard[] = {
	"550 Your HELO name mx.example.org does not exist",
	"554 The domain in your From: header does not exist",
	"550 The sending domain example.org does not exist",
	"553 Bounce address does not exist",
	"550 Return address not found",
	"550 5.7.1 Invalid address in From header",
	"550 No such user (bounces@example.org) in the sender's domain",
	"550 Envelope sender not found",
	"550 Originator unknown",
	"550-Verification failed for <bounces@example.org> 550-Unrouteable "
	    "address 550 Sender verify failed",
	"553 5.1.8 Domain of sender address bounces@example.org does not "
	    "exist",
	"550 5.1.0 <bounces@example.org>: Sender address rejected: User "
	    "unknown in local recipient table",
	"550 5.7.1 Reverse DNS lookup failed: host 192.0.2.1 does not exist",
	"550 Sender IP not registered",
	"450 <bounces@example.org>: Sender address rejected: Domain not found",
	"554 Client not registered",
	"550 5.7.1 Mail from this network is not accepted: invalid address "
	    "range",
	"550 The IP address 192.0.2.1 does not exist in our allowed list",
	"554 Policy does not exist for this sender",
	"550 Mailbox not found for your IP",
	"550 Authentication required: user not found",
	/* A name server that failed: the domain may resolve tomorrow. */
	"DNS Error: DNS type 'mx' lookup of example.com responded with code "
	    "SERVFAIL",
	"DNS Error: DNS server returned general failure",
	"554 5.4.4 Unable to look up MX record for example.com: SERVFAIL",
	"550 5.4.4 DNS lookup timed out",
	"550 Name server: mx.example.com: host name lookup failure",
	"554 5.4.4 [internal] no MXs for this domain could be reached at "
	    "this time",
	/* The sender's SPF, DKIM, DMARC or login. */
	"550 5.7.1 SPF permerror: too many DNS lookups",
	"550 5.7.1 DKIM public key does not exist",
	"550 5.7.1 DMARC record does not exist for the From domain",
	"550 Unauthenticated mail from example.org refused: no such domain",
	"535 Authentication failed: user not found",
	/* The sending host's HELO name, its DNS, its registration. */
	"501 Invalid domain name in HELO",
	"550 Connecting host does not exist in DNS",
	"550 5.7.1 Client IP has no hostname: domain not found",
	"554 5.7.1 Your mail server is not registered as an authorized "
	    "sender",
	/* The envelope sender, the From, the Reply-To, the Message-ID. */
	"553 Invalid address in MAIL FROM",
	"550 Mail from example.org not accepted: domain does not exist",
	"550 5.7.1 Mail from example.org rejected: no MX record",
	"550 No MX record for domain of sender",
	"550 Could not verify sender: domain not found",
	"553 Sender refused: unknown domain",
	"550 The account you are sending from does not exist",
	"550 Your message was rejected because the From: domain does not "
	    "exist",
	"550 5.7.1 Reply-To address does not exist",
	"554 5.6.0 Invalid domain name in Message-ID",
	/* What the message carries, and where the recipient forwards it. */
	"554 5.7.1 This server does not accept mail containing executable "
	    "attachments",
	"550 This domain does not accept mail larger than 10MB",
	"550 Could not deliver to forwarding address: connection timed out",
};

static void
test_never_hard(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(never_hard); i++) {
		struct recipient *r;
		struct report *rp = one_recipient("failed", "5.0.0", 550,
		    never_hard[i], &r);

		classify_report(rp);
		g_test_message("never hard %zu: %s (%s)", i, r->reason,
		    r->decided);
		g_assert_cmpint(r->hard, ==, 0);
		report_free(&rp);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	classify_init();
	g_test_add_func("/classify/dsn", test_dsn_cases);
	g_test_add_func("/classify/command", test_command_cases);
	g_test_add_func("/classify/never-hard", test_never_hard);
	g_test_add_func("/classify/rcpt-unknown", test_rcpt_unknown);
	g_test_add_func("/classify/category", test_category);
	g_test_add_func("/classify/alive-prose", test_alive_prose);
	g_test_add_func("/classify/local-program", test_local_program);
	g_test_add_func("/classify/reply-word", test_reply_word);
	g_test_add_func("/classify/kinds", test_kinds);
	rc = g_test_run();
	classify_shutdown();
	return rc;
}

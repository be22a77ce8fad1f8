/*
 * test_classify.c: reason and hard/soft from status, reply code and
 * Action, as ../shared/corpus/README.md defines them.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "classify.h"
#include "phrases.h"
#include "remote.h"
#include "report.h"

/* The name of a recipient's reason, as the cases write it. */
#define reason_of(r)	report_reason_name((r)->reason)

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
	{ "failed", "5.1.1", 550, NULL, "userunknown", 1, "status 5.1.1 (reporter)" },
	{ "failed", "4.1.1", 450, NULL, "userunknown", 1, "status 4.1.1 (reporter)" },
	{ "failed", "4.0.0", 0, "host unknown", "networkerror", 0,
	  "reporter \"host unknown\"; a 4xx code: the host may come back" },
	{ "failed", "4.3.2", 421, NULL, "expired", 0,
	  "status 4.3.2, action failed" },
	{ "failed", "5.0.0", 521, NULL, "notaccept", 1, "reply 521" },
	{ "failed", "5.1.1", 550, "550 5.1.1 IP blacklisted by recipient", "blocked", 0,
	  "reporter \"blacklist\"" },
	{ "failed", "5.1.2", 0, NULL, "hostunknown", 1, "status 5.1.2 (reporter)" },
	{ "failed", "5.1.6", 0, NULL, "hasmoved", 1, "status 5.1.6 (reporter)" },
	{ "failed", "5.1.10", 0, NULL, "notaccept", 1, "status 5.1.10 (reporter)" },
	{ "failed", "5.2.2", 552, NULL, "mailboxfull", 0, "status 5.2.2 (reporter)" },
	{ "failed", "5.3.4", 0, NULL, "mesgtoobig", 0, "status 5.3.4 (reporter)" },
	{ "failed", "5.4.7", 0, NULL, "expired", 0, "status 5.4.7 (reporter)" },
	{ "failed", "4.4.7", 0, NULL, "expired", 0, "status 4.4.7 (reporter)" },
	{ "failed", "5.7.26", 550, NULL, "authfailure", 0, "status 5.7.26 (reporter)" },
	{ "failed", "5.7.25", 550, NULL, "requireptr", 0, "status 5.7.25 (reporter)" },
	{ "failed", "5.7.1", 550, NULL, "securityerror", 0, "status 5.7.1 (reporter)" },
	{ "failed", "", 552, NULL, "mailboxfull", 0, "reply 552" },
	{ "failed", "", 550, NULL, "onhold", 0, "reply 550" },
	{ "failed", "", 0, NULL, "onhold", 0, "no evidence" },
	{ "delayed", "4.4.1", 0, NULL, "expired", 0, "action delayed" },
	{ "delayed", "4.2.2", 0, NULL, "mailboxfull", 0, "status 4.2.2 (reporter)" },
	{ "delayed", "5.1.1", 0, NULL, "expired", 0, "action delayed" },
	{ "delivered", "2.0.0", 250, NULL, "delivered", 0, "action delivered" },
	{ "relayed", "", 0, NULL, "delivered", 0, "action relayed" },
	{ NULL, "2.1.5", 0, NULL, "delivered", 0, "status 2.1.5" },
	/* Words of a web address are no evidence. */
	{ "failed", "5.0.0", 550, "550 5.0.0 <x@example.org>: mailbox not "
	  "found, see https://help.example.net/errors/#filtered-spam",
	  "userunknown", 1, "reporter \"mailbox not found\"" },
	/* Provider and MTA wordings. */
	{ "failed", "", 0, "User Jo Example not listed in Domino Directory",
	  "userunknown", 1, "reporter \"not listed in domino directory\"" },
	/* Wordings of more servers, each grouped by what it means. */
	{ "failed", "5.0.0", 550, "550 Protocol violation", "policyviolation",
	  0, "reporter \"protocol violation\"" },
	{ "failed", "5.0.0", 553, "553 BATV failed to verify the bounce",
	  "rejected", 0, "reporter \"batv failed\"" },
	{ "failed", "5.0.0", 550, "550 Quota violation for jo@example.org",
	  "mailboxfull", 0, "reporter \"quota violation\"" },
	{ "failed", "5.0.0", 554, "554 This is not an open relay, so get lost",
	  "norelaying", 0, "reporter \"not an open relay\"" },
	{ "failed", "5.0.0", 550, "550 Recipient domain must exist",
	  "hostunknown", 1, "reporter \"recipient domain must exist\"" },
	{ "failed", "5.0.0", 501, "501 Sender domain must exist",
	  "rejected", 0, "reporter \"sender domain\"" },
	{ "failed", "5.0.0", 550, "550 This email address is wrong or no "
	  "longer valid", "userunknown", 1,
	  "reporter \"wrong or no longer valid\"" },
	{ "failed", "5.0.0", 550, "550 Address rejected: account closed",
	  "userunknown", 1, "reporter \"account closed\"" },
	{ "failed", "5.1.10", 550, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
	  "Recipient not found by SMTP address lookup", "userunknown", 1,
	  "reporter \"recipient not found\"" },
	{ "failed", "5.0.0", 550, "550 nessun utente simile in questo "
	  "indirizzo", "userunknown", 1, "reporter \"nessun utente simile\"" },
	{ "failed", "5.0.0", 553, "553 sorry, this recipient is not in my "
	  "validrcptto list", "userunknown", 1,
	  "reporter \"validrcptto list\"" },
	{ "failed", "4.7.1", 450, "450 4.7.1 Error: too much mail from "
	  "192.0.2.1", "speeding", 0, "reporter \"too much mail from\"" },
	{ "failed", "5.6.11", 550, "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal",
	  "contenterror", 0, "status 5.6.11 (reporter)" },
	{ "failed", "5.7.1", 550, "550-5.7.1 The IP you're using to send mail "
	  "is not authorized to send email directly to our servers.",
	  "blocked", 0,
	  "reporter \"not authorized to send email directly\"" },
	{ "failed", "5.7.1", 550, "550 5.7.1 Recipient mailbox rejected the "
	  "message per its owner's filter settings", "filtered", 0,
	  "reporter \"filter settings\"" },
	/* Other languages. */
	{ "failed", "5.0.0", 550, "550 Empf\xc3\xa4nger unbekannt",
	  "userunknown", 1, "reporter \"empf\xc3\xa4nger unbekannt\"" },
	{ "failed", "5.0.0", 550, "550 Bo\xc3\xaete aux lettres pleine",
	  "mailboxfull", 0,
	  "reporter \"bo\xc3\xaete aux lettres pleine\"" },
	/* A route or a DNS failure is no unknown host or user. */
	{ "failed", "5.0.0", 550, "550 connect to mx.example.net[192.0.2.7]:25:"
	  " No route to host", "networkerror", 0,
	  "reporter \"no route to host\"" },
	{ "failed", "5.4.0", 0, "#5.4.0 DNS records for the destination "
	  "computer could not be found", "networkerror", 0,
	  "reporter \"dns records for the destination computer\"" },
	/* Postfix's reject_unknown_recipient_domain, made permanent. */
	{ "failed", "5.0.0", 550, "550 5.1.2 <a@nxdomain.example>: Recipient "
	  "address rejected: Domain not found", "hostunknown", 1,
	  "reporter \"domain not found\"" },
	/* The sending host's HELO name is no recipient's address. */
	{ "failed", "5.0.0", 550, "550 Your HELO name mx.example.org does "
	  "not exist", "blocked", 0, "reporter \"helo name\"" },
	/* Exim's sender verification: the address that failed is ours. */
	{ "failed", "5.0.0", 550, "550-Verification failed for "
	  "<bounces@example.org> 550-Unrouteable address", "rejected", 0,
	  "reporter \"verification failed for\"" },
	/* Asking to check the address blames the address, but weakly: any
	 * other wording outranks it. */
	{ "failed", "", 0, "Unable to deliver message to <jo@example.org>. "
	  "Please check if address is correct.", "userunknown", 1,
	  "reporter \"check if address is correct\"" },
	{ "failed", "", 0, "Connection timed out. Please check the e-mail "
	  "address and try again.", "expired", 0,
	  "reporter \"connection timed out\"; action failed without a "
	  "code: retried until it expired" },
	{ "failed", "5.0.0", 550, "550 Our IP is not listed in your allowed "
	  "senders", "blocked", 0, "reporter \"listed in\"" },
	{ "failed", "5.0.0", 554, "554 Service currently unavailable",
	  "systemerror", 0, "reporter \"service currently unavailable\"" },
	{ "failed", "5.7.0", 554, "554 5.7.0 Rejected, ref=42 - SPAM",
	  "spamdetected", 0, "reporter \"spam\"" },
	{ "failed", "5.5.0", 550, "550 helo name [mx.example.net] mismatches "
	  "client ip 192.0.2.9", "requireptr", 0,
	  "reporter \"mismatches client ip\"" },
	{ "delayed", "4.0.0", 450, "450 we take 3 unverifyable sending IPs "
	  "only", "requireptr", 0, "reporter \"unverifyable sending ip\"" },
	{ "failed", "5.0.0", 554, "554 Host network not allowed - see the "
	  "gateway's policy", "policyviolation", 0,
	  "reporter \"host network not allowed\"" },
	{ "failed", "5.0.0", 554, "554 Message rejected: Email address is "
	  "not verified.", "norelaying", 0,
	  "reporter \"email address is not verified\"" },
	{ "failed", "5.2.0", 550, "550 5.2.0 From: header domain is invalid. "
	  "Please provide a valid From: address", "rejected", 0,
	  "reporter \"provide a valid from\"" },
	{ "failed", "5.0.0", 500, "500 Line limit exceeded", "mesgtoobig", 0,
	  "reporter \"line limit exceeded\"" },
	/* Exim and Postfix: the domain's mail hosts, a loop. */
	{ "failed", "", 0, "all relevant MX records point to non-existent "
	  "hosts", "hostunknown", 1,
	  "reporter \"mx records point to non-existent hosts\"" },
	{ "failed", "5.0.0", 0, "mail forwarding loop for x@example.org",
	  "networkerror", 0, "reporter \"mail forwarding loop\"" },
	/* A failed name server, the sender's SPF: never a dead domain. */
	{ "failed", "5.4.4", 554, "554 5.4.4 Unable to look up MX record for "
	  "example.com: SERVFAIL", "networkerror", 0,
	  "reporter \"servfail\"" },
	{ "failed", "5.7.1", 550, "550 5.7.1 SPF permerror: too many DNS "
	  "lookups", "authfailure", 0, "reporter \"spf\"" },
	{ "failed", "5.0.0", 501, "501 Invalid domain name in HELO",
	  "blocked", 0, "reporter \"in helo\"" },
	{ "failed", "5.0.0", 550, "550 No MX record for domain of sender",
	  "rejected", 0, "reporter \"domain of sender\"" },
	/* A name that does not exist, a mailbox unknown: still hard. */
	{ "failed", "5.0.0", 0, "DNS Error: DNS type 'mx' lookup of "
	  "example.com responded with code NXDOMAIN", "hostunknown", 1,
	  "reporter \"nxdomain\"" },
	{ "failed", "5.0.0", 550, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
	  "Recipient not found by SMTP address lookup", "userunknown", 1,
	  "reporter \"recipient not found\"" },
	/* RFC 7505: 5.7.27 is the sender's null MX; the text may say more. */
	{ "failed", "5.7.27", 550, NULL, "rejected", 0, "status 5.7.27 (reporter)" },
	{ "failed", "5.7.27", 550, "550 Host does not accept mail",
	  "notaccept", 1, "reporter \"does not accept mail\"" },
	/* Postfix's probe of the address had not finished. */
	{ "failed", "4.1.1", 450, "450 4.1.1 <x@example.org>: Recipient "
	  "address rejected: unverified address: Address verification in "
	  "progress", "expired", 0,
	  "reporter \"address verification in progress\"" },
	/*
	 * Whose words decide: the remote server's reply ("<<<", "said:")
	 * over the reporter's summary line and its Status.
	 */
	{ "failed", "5.1.1", 550, ">>> RCPT To:<ann@example.org> <<< 553 "
	  "5.3.0 <ann@example.org>... Refused, see "
	  "http://dnsbl.example.net/lookup?ip=192.0.2.1 550 5.1.1 "
	  "<ann@example.org>... User unknown", "blocked", 0,
	  "remote \"dnsbl\": a DNS blocklist" },
	{ "failed", "5.1.1", 550, "550 5.7.1 Service unavailable; client host "
	  "[192.0.2.1] blocked using zen.spamhaus.org", "blocked", 0,
	  "reporter \"spamhaus.org\": a DNS blocklist" },
	{ "failed", "5.1.1", 550, ">>> RCPT To:<bo@example.org> <<< 550 This "
	  "account is disabled 550 5.1.1 <bo@example.org>... User unknown",
	  "suspend", 0, "remote \"account is disabled\"" },
	{ "failed", "5.1.1", 550, "host mx.example.org[192.0.2.9] said: 550 "
	  "mailbox temporarily inactive (in reply to RCPT TO command) "
	  "User unknown", "suspend", 0, "remote \"temporarily inactive\"" },
	/* The cause of an expiry, where the words give one. */
	{ "failed", "4.4.1", 0, "connect to mx.example.org[192.0.2.9]:25: "
	  "Connection timed out. Giving up: the message has been in the "
	  "queue for 5 days", "networkerror", 0, "reporter \"connection "
	  "timed out\", the cause of \"giving up\"" },
	{ "failed", "4.4.1", 0, "Giving up on it: the message was queued "
	  "too long", "expired", 0, "reporter \"giving up\"" },
	/* Postfix's failed lookup is for a while; NXDOMAIN is dead. */
	{ "failed", "5.4.4", 0, "Name service error for name=example.org "
	  "type=MX: Malformed or unexpected name server reply",
	  "networkerror", 0,
	  "reporter \"malformed or unexpected name server reply\"" },
	{ "failed", "5.4.4", 0, "Host or domain name not found. Name service "
	  "error for name=example.org type=A: Host not found",
	  "hostunknown", 1, "reporter \"host not found\"" },
	/* Exact words over an odd code (RFC 7293's X.7.17 used otherwise). */
	{ "failed", "5.7.17", 550, "Sorry, no mailbox here by that name. "
	  "(#5.7.17)", "userunknown", 1, "reporter \"no mailbox\"" },
	/*
	 * Wordings the providers and MTAs document, one case per group of
	 * phrases.tab (the comment there names the source).
	 */
	{ "failed", "4.0.0", 451, "451 VS1-MF Excessive unknown recipients - "
	  "possible Open Relay (#4.4.5)", "badreputation", 0,
	  "reporter \"excessive unknown recipients\"" },
	{ "failed", "4.2.1", 450, "450-4.2.1 The user you are trying to "
	  "contact is receiving mail too quickly. Please resend your message "
	  "at a later time.", "speeding", 0,
	  "reporter \"receiving mail too quickly\"" },
	{ "failed", "5.0.0", 550, "550 5.4.5 Daily user sending quota "
	  "exceeded.", "speeding", 0, "reporter \"sending quota\"" },
	{ "failed", "5.0.0", 550, "550 5.2.121 Recipient's per hour message "
	  "receive limit from specific sender exceeded", "speeding", 0,
	  "reporter \"message receive limit\"" },
	{ "failed", "5.0.0", 421, "421 Max message per connection reached, "
	  "closing transmission channel", "toomanyconn", 0,
	  "reporter \"max message per connection\"" },
	{ "failed", "5.0.0", 550, "550 5.7.9 This mail has been blocked "
	  "because the sender is unauthenticated.", "authfailure", 0,
	  "reporter \"sender is unauthenticated\"" },
	{ "failed", "5.0.0", 554, "554-No SMTP service 554-Bad DNS PTR "
	  "resource record", "requireptr", 0, "reporter \"dns ptr\"" },
	{ "failed", "5.0.0", 553, "553 Relaying disallowed", "norelaying", 0,
	  "reporter \"relaying disallowed\"" },
	{ "failed", "5.0.0", 0, "TLS is required, but was not offered by host "
	  "mx.example.net[192.0.2.7]", "failedstarttls", 0,
	  "reporter \"tls is required\"" },
	{ "failed", "5.7.0", 530, "530 5.7.0 Must issue a STARTTLS command "
	  "first.", "failedstarttls", 0,
	  "reporter \"must issue a starttls\"" },
	{ "failed", "5.7.10", 550, "550 5.7.10 Go away", "failedstarttls", 0,
	  "status 5.7.10 (reporter)" },
	/* The sending service's suppression list: no receiver spoke. */
	{ "failed", "5.1.1", 550, "Amazon SES has suppressed sending to this "
	  "address because it has a recent history of bouncing as an invalid "
	  "address.", "suppressed", 0,
	  "reporter \"has suppressed sending\"" },
	{ "failed", "5.0.0", 550, "550 5.0.0 Not delivering to previously "
	  "bounced address", "suppressed", 0,
	  "reporter \"not delivering to previously bounced address\"" },
	{ "failed", "5.0.0", 553, "553 5.7.1 [BL21] Connections will not be "
	  "accepted from 192.0.2.5, because the ip is in a list",
	  "blocked", 0, "reporter \"connections will not be accepted from\"" },
	{ "failed", "5.0.0", 550, "550 Anti-Spoofing policy - Inbound not "
	  "allowed", "policyviolation", 0, "reporter \"anti-spoofing policy\"" },
	{ "failed", "5.0.0", 554, "554 Maximum email size exceeded",
	  "mesgtoobig", 0, "reporter \"email size exceeded\"" },
	{ "failed", "5.0.0", 0, "cannot update mailbox /var/mail/jo for user "
	  "jo. error writing message: File too large", "mailboxfull", 0,
	  "reporter \"error writing message: file too large\"" },
	{ "failed", "5.0.0", 0, "Cannot send message for 5 days",
	  "expired", 0, "reporter \"cannot send message for\"" },
	{ "failed", "5.0.0", 550, "550 5.4.4 SMTPSEND.DNS.NonExistentDomain; "
	  "nonexistent domain", "hostunknown", 1,
	  "reporter \"nonexistentdomain\"" },
	{ "failed", "5.0.0", 0, "The recipient's e-mail address was not found "
	  "in the recipient's e-mail system.", "userunknown", 1,
	  "reporter \"address was not found in the recipient's\"" },
	{ "failed", "5.0.0", 0, "lowest numbered MX record points to local "
	  "host", "networkerror", 0,
	  "reporter \"mx record points to local host\"" },
	{ "failed", "5.0.0", 550, "550 OU-001 (EX0PR01MB0001) Unfortunately, "
	  "messages from 192.0.2.5 weren't sent. Please contact your Internet "
	  "service provider.",
	  "blocked", 0, "reporter \"contact your internet service provider\"" },
	{ "failed", "5.0.0", 0, "Deferred: Connection refused by "
	  "mx.example.net.", "networkerror", 0,
	  "reporter \"connection refused\"" },
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
	  "reporter \"access denied\" at CONN" },
	{ "CONN", "5.0.0", 554, "554 no reverse DNS for your address",
	  "requireptr", "reporter \"reverse dns\"" },
	{ "CONN", "5.7.25", 550, "550 5.7.25 Go away", "requireptr",
	  "status 5.7.25 (reporter)" },
	{ "RCPT", "5.0.0", 550, "550 Access denied", "rejected",
	  "reporter \"access denied\"" },
	/* At MAIL FROM no recipient is known: the sender is unknown. */
	{ "MAIL", "5.0.0", 550, "550 unknown user", "rejected",
	  "reporter \"unknown user\" at MAIL" },
	{ "MAIL", "", 553, "553 go away", "rejected", "reply 553 at MAIL" },
	/* ... whatever status code came with it. */
	{ "MAIL", "5.1.1", 553, "553 5.1.1 <bounces@example.org>... User "
	  "unknown", "rejected", "status 5.1.1 (reporter) at MAIL" },
	{ "MAIL", "4.7.0", 421, "421 4.7.0 [TS01] Mail from 192.0.2.5 is "
	  "deferred due to user complaints", "badreputation",
	  "reporter \"deferred due to user complaints\"" },
	{ "RCPT", "5.7.1", 550, "550 5.7.1 <mx.local>: Helo command "
	  "rejected: Host not found", "blocked",
	  "reporter \"helo command rejected\"" },
	/* Gmail's 4.7.23 is a PTR record, not RFC 7372's SPF error. */
	{ "RCPT", "4.7.23", 421, "421-4.7.23 The sending IP does not match "
	  "the IP address of the hostname specified in the pointer (PTR) "
	  "record.", "requireptr", "reporter \"(ptr) record\"" },
	{ "RCPT", "5.7.23", 550, "550 5.7.23 Message rejected", "authfailure",
	  "status 5.7.23 (reporter)" },
	/* The sending host's own name refused: never the recipient's domain. */
	{ "HELO", "5.0.0", 501, "501 5.0.0 Invalid domain name", "blocked",
	  "reporter \"invalid domain\" at HELO" },
	{ "HELO", "5.1.2", 550, "550 5.1.2 Host not found", "blocked",
	  "status 5.1.2 (reporter) at HELO" },
	{ "MAIL", "5.1.8", 553, "553 5.1.8 Domain of sender address "
	  "does not exist", "rejected",
	  "status 5.1.8 (reporter)" },
	/* "No such user" to DATA is a content filter speaking. */
	{ "DATA", "5.0.0", 550, "550 No such user", "filtered",
	  "reporter \"no such user\" after DATA" },
	/* ... whatever status code came with it (RFC 5321 3.3). */
	{ "DATA", "5.1.1", 550, "550 5.1.1 User unknown", "filtered",
	  "status 5.1.1 (reporter) at DATA" },
	{ "DATA", "5.1.1", 550, "550 5.1.1 <a@example.net>: Recipient "
	  "address rejected: User unknown", "filtered",
	  "status 5.1.1 (reporter) at DATA" },
	/* Sendmail's DATA may be a pipelined RCPT's reply: the code decides. */
	{ "DATA/RCPT", "5.0.0", 550, "550 No such user", "filtered",
	  "reporter \"no such user\" after DATA" },
	/*
	 * "User unknown" under a code for a mailbox that exists, the mail
	 * system or a policy: unknown only when refused at RCPT.
	 */
	{ NULL, "5.2.1", 550, "550 5.2.1 <x@example.org>... User Unknown",
	  "filtered", "reporter \"user unknown\" under a code for "
	  "something else, not at RCPT" },
	{ NULL, "5.7.1", 550, "550 5.7.1 550 User Unknown", "filtered",
	  "reporter \"user unknown\" under a code for something else, "
	  "not at RCPT" },
	{ NULL, "5.3.0", 550, "550 Unknown user", "filtered",
	  "reporter \"unknown user\" under a code for something else, "
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
		if (strcmp(reason_of(r), c->reason) != 0 || r->hard != c->hard)
			g_test_message("case %zu (%s %s %d): got %s/%d want %s/%d",
			    i, c->action, c->status, c->replycode, reason_of(r),
			    r->hard, c->reason, c->hard);
		g_assert_cmpstr(reason_of(r), ==, c->reason);
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
		g_test_message("command case %zu: got %s (%s)", i, reason_of(r),
		    r->decided);
		g_assert_cmpstr(reason_of(r), ==, command_cases[i].reason);
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
			    reason_of(r), r->decided);
			g_assert_cmpstr(reason_of(r), ==, "userunknown");
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
		{ "5.1.1", "spam-related", NULL, "userunknown", "status 5.1.1 (reporter)" },
		/* "other" says nothing: the words decide. */
		{ "5.0.0", "other", "550 mailbox unavailable", "userunknown",
		  "reporter \"mailbox unavailable\"" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(category_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient("failed",
		    category_cases[i].status, 550, category_cases[i].diagnostic,
		    &r);

		r->category = g_strdup(category_cases[i].category);
		classify_report(rp);
		g_assert_cmpstr(reason_of(r), ==, category_cases[i].reason);
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
		g_test_message("prose case %zu: %s (%s)", i, reason_of(r),
		    r->decided);
		g_assert_cmpstr(reason_of(r), ==, prose_cases[i].reason);
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
		  "reporter \"quota exceeded\"" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(local_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient(local_cases[i].action,
		    local_cases[i].status, 0, local_cases[i].diagnostic, &r);

		r->local_program = 1;
		classify_report(rp);
		g_assert_cmpstr(reason_of(r), ==, local_cases[i].reason);
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
	g_assert_cmpstr(reason_of(r), ==, "onhold");
	r->diagnostic = g_strdup("550 Rejected - SPAM");
	classify_report(rp);
	g_assert_cmpstr(reason_of(r), ==, "spamdetected");
	g_assert_cmpstr(r->decided, ==, "reporter \"spam\"");
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
	g_assert_cmpstr(reason_of(r), ==, "feedback");
	g_assert_cmpint(r->hard, ==, 0);
	g_assert_cmpstr(r->decided, ==, "feedback-type abuse");
	rp->kind = REPORT_AUTOREPLY;
	classify_report(rp);
	g_assert_cmpstr(reason_of(r), ==, "vacation");
	report_free(&rp);
	g_assert_null(rp);
}

/* The class the policy counts, decided with the reason, read by all. */
static const struct {
	enum report_kind kind;
	const char	*action, *status, *diagnostic, *class;
} class_cases[] = {
	{ REPORT_DSN, "failed", "5.1.1", "550 5.1.1 user unknown", "hard" },
	{ REPORT_DSN, "failed", "5.2.2", "552 mailbox full", "soft" },
	{ REPORT_DSN, "delayed", "4.4.1", "connection timed out", "delay" },
	{ REPORT_DSN, "failed", "5.7.1", "554 blocked using zen.spamhaus.org",
	  "sender" },
	{ REPORT_DSN, "delivered", "2.0.0", "250 ok", "delivered" },
	{ REPORT_ARF, "", "", "", "complaint" },
	{ REPORT_AUTOREPLY, "", "", "", "vacation" },
};

static void
test_class(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(class_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient(class_cases[i].action,
		    class_cases[i].status, 0, class_cases[i].diagnostic, &r);

		rp->kind = class_cases[i].kind;
		classify_report(rp);
		g_test_message("class case %zu: got %s (%s), want %s", i,
		    report_class_name(r->class), reason_of(r),
		    class_cases[i].class);
		g_assert_cmpstr(report_class_name(r->class), ==, class_cases[i].class);
		report_free(&rp);
	}
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
		g_test_message("never hard %zu: %s (%s)", i, reason_of(r),
		    r->decided);
		g_assert_cmpint(r->hard, ==, 0);
		report_free(&rp);
	}
}

/* How sure each verdict is, from what decided it. */
static void
test_confidence(void)
{
	static const struct {
		const char	*status;
		int		 replycode, smtp;
		const char	*diagnostic, *text, *confidence;
	} conf_cases[] = {
		/* The remote's own 5.1.1 and words that agree. */
		{ "5.1.1", 550, 1, "550 5.1.1 <x@example.org>: no such user",
		  NULL, "certain" },
		/* The same words from the reporter only: one strong sign. */
		{ "5.1.1", 550, 0, "550 5.1.1 <x@example.org>... User unknown",
		  NULL, "likely" },
		/* A specific status alone. */
		{ "5.1.1", 0, 0, NULL, NULL, "likely" },
		/* The remote's words against its own code (a full mailbox). */
		{ "5.2.2", 552, 1, "552 5.2.2 user unknown", NULL, "likely" },
		/* Only the report's general prose. */
		{ "5.0.0", 0, 0, NULL, "Delivery failed: mailbox does not "
		  "exist.", "weak" },
		/* A bare reply code. */
		{ "", 550, 0, NULL, NULL, "weak" },
		/* A dead address in a transient reply: only a sign. */
		{ "4.1.1", 450, 1, "450 4.1.1 <x@example.org>: Recipient address "
		  "rejected: User unknown", NULL, "weak" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(conf_cases); i++) {
		struct recipient *r;
		struct report *rp = one_recipient("failed", conf_cases[i].status,
		    conf_cases[i].replycode, conf_cases[i].diagnostic, &r);

		r->remote_diagnostic = conf_cases[i].smtp;
		rp->text = g_strdup(conf_cases[i].text);
		classify_report(rp);
		g_test_message("confidence case %zu: %s %s (%s)", i,
		    report_confidence_name(r->confidence), reason_of(r),
		    r->decided);
		g_assert_cmpstr(report_confidence_name(r->confidence), ==,
		    conf_cases[i].confidence);
		report_free(&rp);
	}
}

/* The remote server's own words, apart from the reporter's. */
static void
test_remote_words(void)
{
	static const struct {
		const char	*diagnostic;
		int		 smtp;
		const char	*want;
	} remote_cases[] = {
		{ ">>> RCPT To:<a@example.org> <<< 550 5.2.1 Account disabled "
		  "550 5.1.1 <a@example.org>... User unknown", 0,
		  "550 5.2.1 Account disabled" },
		{ "<<< 550-5.7.1 Refused <<< 550 5.7.1 see the page", 0,
		  "550-5.7.1 Refused 550 5.7.1 see the page" },
		{ "host mx.example.org[192.0.2.1] said: 550 No such user (in "
		  "reply to RCPT TO command)", 0,
		  "550 No such user (in reply to RCPT TO command)" },
		{ "550 5.1.1 User unknown", 0, NULL },
		{ "550 5.1.1 User unknown", 1, "550 5.1.1 User unknown" },
		{ ">>> DATA", 0, NULL },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(remote_cases); i++) {
		g_autofree char *got = remote_words(remote_cases[i].diagnostic,
		    remote_cases[i].smtp);

		if (g_strcmp0(got, remote_cases[i].want) != 0)
			g_test_message("case %zu: got \"%s\", want \"%s\"", i,
			    got ? got : "(null)", remote_cases[i].want ?
			    remote_cases[i].want : "(null)");
		g_assert_cmpstr(got, ==, remote_cases[i].want);
	}
}

/* Every class and reason is named once, and its name reads back as it. */
static void
test_vocabulary(void)
{
	enum report_reason reason;
	enum report_class class;
	int i;

	for (i = 0; i < CLASS_COUNT; i++) {
		g_assert_true(report_class_parse(report_class_name(i), &class));
		g_assert_cmpint(class, ==, i);
	}
	for (i = 0; i < REASON_COUNT; i++) {
		g_assert_true(report_reason_parse(report_reason_name(i),
		    &reason));
		g_assert_cmpint(reason, ==, i);
	}
	g_assert_false(report_class_parse("hrad", &class));
	g_assert_false(report_reason_parse("userunknwon", &reason));
	g_assert_true(report_reason_is(REASON_USERUNKNOWN, REASON_DEAD));
	g_assert_false(report_reason_is(REASON_MAILBOXFULL, REASON_DEAD));
	g_assert_true(report_reason_is(REASON_BLOCKED, REASON_SENDER));
}

static void
check_label(void *section, const char *label)
{
	enum report_reason reason;

	if (!report_reason_parse(label, &reason) || reason == REASON_UNDEFINED)
		g_test_message("phrases.tab: [%s %s]: '%s' is not a reason",
		    (const char *)section, label, label);
	g_assert_true(report_reason_parse(label, &reason));
	g_assert_cmpint(reason, !=, REASON_UNDEFINED);
}

/* Each label of the sections classify reads is a reason it can give. */
static void
test_phrase_labels(void)
{
	phrases_labels("diagnostic", check_label, "diagnostic");
	phrases_labels("reply-word", check_label, "reply-word");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/classify/dsn", test_dsn_cases);
	g_test_add_func("/classify/remote-words", test_remote_words);
	g_test_add_func("/classify/confidence", test_confidence);
	g_test_add_func("/classify/command", test_command_cases);
	g_test_add_func("/classify/never-hard", test_never_hard);
	g_test_add_func("/classify/rcpt-unknown", test_rcpt_unknown);
	g_test_add_func("/classify/category", test_category);
	g_test_add_func("/classify/alive-prose", test_alive_prose);
	g_test_add_func("/classify/local-program", test_local_program);
	g_test_add_func("/classify/reply-word", test_reply_word);
	g_test_add_func("/classify/kinds", test_kinds);
	g_test_add_func("/classify/class", test_class);
	g_test_add_func("/classify/vocabulary", test_vocabulary);
	g_test_add_func("/classify/phrase-labels", test_phrase_labels);
	return g_test_run();
}

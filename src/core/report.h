/*
 * report.h: what one returned message tells, as plain data.
 *
 * A struct report is the result of parsing one message: the per-message
 * facts of the bounce (RFC 3464 per-message fields, the headers of the
 * returned original) and one struct recipient per failed, delayed or
 * delivered recipient.  The parser fills the facts; the classifier fills
 * reason, hard, class and decided.  The store and the CLI only read it.
 * Every string is owned by the struct and freed by report_free().
 */
#ifndef REBOUND_REPORT_H
#define REBOUND_REPORT_H

#include <glib.h>

enum report_kind {
	REPORT_NONE,		/* not a bounce: nothing to record */
	REPORT_DSN,		/* RFC 3464 / RFC 6533 delivery status */
	REPORT_ARF,		/* RFC 5965 feedback report */
	REPORT_AUTOREPLY,	/* RFC 3834 auto-reply */
	REPORT_HEURISTIC	/* recognised from prose, no DSN */
};

/*
 * How sure a verdict is (issue "Never remove a live subscriber"):
 * certain when the remote server's own reply gives a recipient-level
 * permanent code and words that agree; likely on one strong sign (a
 * specific status code, or unambiguous words about the recipient); weak
 * when only inferred (the report's general prose, its subject, a bare
 * reply code).
 */
enum confidence {
	CONFIDENCE_WEAK,
	CONFIDENCE_LIKELY,
	CONFIDENCE_CERTAIN
};

/*
 * What an outcome does to its address, as the policy counts it
 * (classify.c decides it, once; report.c names it): a dead address
 * (hard), a failure that may pass (soft), a complaint, a delay notice, a
 * failure of the sending side that says nothing about the subscriber
 * (sender), a delivery, an auto-reply.  The database stores the name.
 */
enum report_class {
	CLASS_HARD,
	CLASS_SOFT,
	CLASS_COMPLAINT,
	CLASS_DELAY,
	CLASS_SENDER,
	CLASS_DELIVERED,
	CLASS_VACATION
};
#define CLASS_COUNT	(CLASS_VACATION + 1)

/*
 * Why a recipient failed, from a fixed taxonomy (rebound(1), REASONS;
 * report.c names each, status.tab and phrases.tab use the names, the
 * database stores them).  The classifier decides one for each recipient;
 * REASON_UNDEFINED until it has.
 */
enum report_reason {
	REASON_UNDEFINED,
	/* the address is gone (hard; notaccept only when permanent) */
	REASON_USERUNKNOWN,
	REASON_HOSTUNKNOWN,
	REASON_HASMOVED,
	REASON_NOTACCEPT,
	/* the mailbox exists */
	REASON_MAILBOXFULL,
	REASON_SUSPEND,
	REASON_FILTERED,
	/* the sending side, its message's size, content or form */
	REASON_BLOCKED,
	REASON_BADREPUTATION,
	REASON_AUTHFAILURE,
	REASON_REQUIREPTR,
	REASON_SPAMDETECTED,
	REASON_POLICYVIOLATION,
	REASON_REJECTED,
	REASON_NORELAYING,
	REASON_SECURITYERROR,
	REASON_FAILEDSTARTTLS,
	REASON_SPEEDING,
	REASON_TOOMANYCONN,
	REASON_VIRUSDETECTED,
	REASON_CONTENTERROR,
	REASON_NOTCOMPLIANTRFC,
	REASON_SYNTAXERROR,
	REASON_MESGTOOBIG,
	REASON_EXCEEDLIMIT,
	/* on the way, or at the receiver */
	REASON_EXPIRED,
	REASON_NETWORKERROR,
	REASON_SYSTEMERROR,
	REASON_SYSTEMFULL,
	REASON_MAILERERROR,
	REASON_ONHOLD,
	REASON_SUPPRESSED,
	/* not failures */
	REASON_DELIVERED,
	REASON_FEEDBACK,
	REASON_VACATION
};
#define REASON_COUNT	(REASON_VACATION + 1)

/* What a reason says of the address (report_reason_is()). */
#define REASON_DEAD	0x1	/* the address is gone */
#define REASON_SENDER	0x2	/* a failure of the sending side */

/* An RFC 3463 status code "c.sss.ddd" fits in 12 bytes with its NUL. */
#define STATUS_MAX 12

struct recipient {
	char	*address;		/* the one that failed, normalised:
					   Original-Recipient where usable
					   (the address the list sent to),
					   else Final-Recipient, else what
					   the prose names */
	char	*original;		/* Original-Recipient, normalised */
	char	*final;			/* Final-Recipient as reported, after
					   the receiver's aliasing (evidence) */
	char	*action;		/* failed|delayed|delivered|relayed|expanded */
	char	 status[STATUS_MAX];	/* validated RFC 3463 code or "" */
	int	 replycode;		/* SMTP reply code or 0 */
	char	*remote_mta;
	char	*diagnostic;		/* Diagnostic-Code text, unfolded */
	char	*last_attempt;
	char	*retry_until;
	char	*category;		/* the sending MTA's own class of the
					   failure (PowerMTA), lower case */
	const char *command;		/* SMTP command that failed, or NULL */
	int	 local_program;		/* diagnostic of type X-Unix: the
					   local delivery program's exit */
	int	 remote_diagnostic;	/* diagnostic of type smtp: the
					   remote server's own reply */

	/* Filled by the classifier. */
	enum report_reason reason;
	int	 hard;
	enum confidence confidence;	/* how sure the reason is */
	enum report_class class;
	char	*decided;		/* what decided the reason */
};

struct report {
	enum report_kind kind;

	/* The bounce itself. */
	char	*subject;
	char	*from;
	gint64	 date;			/* its Date, Unix time, or 0 */
	char	*received;		/* its newest Received: header */
	char	*envelope_to;		/* X-Original-To / Delivered-To */
	char	*to;			/* its To: (the post's sender) */
	char	*text;			/* first human-readable part, bounded */

	/* RFC 3464 per-message fields. */
	char	*reporting_mta;
	char	*arrival_date;
	char	*envelope_id;

	/* RFC 5965 */
	char	*feedback_type;

	/* The returned original message (headers only). */
	char	*orig_message_id;
	char	*orig_subject;
	char	*orig_from;
	char	*orig_to;
	char	*orig_list_id;
	char	*orig_list_post;	/* its List-Post (RFC 2369) */
	char	*orig_return_path;	/* the list's bounce address, or VERP */

	/* A challenge-response system's notice (parse_challenge.c): the
	   mailbox exists and holds the post; never a dead address. */
	int	 challenge;

	GPtrArray *recipients;		/* of struct recipient * */

	/* Set by the parser: its recipient bound, and the limit it hit. */
	guint	 max_recipients;
	char	*limit;			/* "[limits] key = value", or NULL */
};

struct report	*report_new(void);
void		 report_free(struct report **);
struct recipient *report_add_recipient(struct report *);
const char	*report_kind_name(enum report_kind);
const char	*report_confidence_name(enum confidence);
int		 report_confidence_parse(const char *, enum confidence *);
const char	*report_class_name(enum report_class);
int		 report_class_parse(const char *, enum report_class *);
/* "hard, soft, ... or vacation": for help texts and messages. */
char		*report_class_list(void);
const char	*report_reason_name(enum report_reason);
int		 report_reason_parse(const char *, enum report_reason *);
int		 report_reason_is(enum report_reason, int what);
char		*report_reason_list(void);
/* Is address one of the list's own (its post, List-Id or bounce address)? */
int		 report_is_list_address(const struct report *, const char *);

/* Replace *field with a copy of value (NULL clears it). */
void		 report_set(char **field, const char *value);

#endif

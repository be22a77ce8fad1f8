/*
 * parse_int.h: what the parser's files (parse*.c) share among
 * themselves: its fixed bounds and the readers parse.c dispatches to,
 * in blocks headed by the file that defines them.  Not for callers,
 * who have parse.h; tests/test_parse.c reads a few of these directly.
 */
#ifndef REBOUND_PARSE_INT_H
#define REBOUND_PARSE_INT_H

#include <stddef.h>

#include <gmime/gmime.h>

#include "parse.h"

/* Fixed bounds on what one message may make the parser do. */
#define PARSE_TEXT_MAX		(256 * 1024)	/* human-readable part kept */
#define PARSE_RAW_MAX		(1024 * 1024)	/* raw body searched for a DSN */
#define PARSE_ABOUT_MAX		20		/* recipients looked up in text */

/* parse_limits.c: cut over-long header fields, stop at the part limit. */
void		 parse_over_limit(struct report *, const char *key, gsize value);
size_t		 parse_limits_cut(char *buf, size_t len,
		    const struct parse_limits *, struct report *);
int		 parse_limits_needed(const char *buf, size_t len,
		    const struct parse_limits *);

/* parse_recipients.c: Original-Recipient chosen, the list's own dropped. */
/* Whether one more recipient fits; if not, rp->limit says so. */
int		 parse_recipient_fits(struct report *);
void		 parse_recipients(struct report *);
void		 parse_challenge(struct report *);

/* parse_dsn.c */
void		 parse_dsn(struct report *, const char *buf, size_t len);
void		 parse_dsn_complete(struct recipient *);

/* parse_arf.c */
void		 parse_arf(struct report *, const char *buf, size_t len);

/* parse_ses.c */
int		 parse_ses(struct report *, const char *text);

/* parse_returned.c */
void		 parse_returned_headers(struct report *, const char *buf,
		    size_t len);
void		 parse_returned_message(struct report *, GMimeMessage *);

/* parse_text.c */
char		*parse_text_about(const char *text, const char *address,
		    GPtrArray *recipients);
char		*parse_text_reply(const char *text);
char		*parse_text_shared_reason(const char *text);
char		*parse_text_heading(const char *text, const char *address);
void		 parse_text_drop_noise(char *text);
char		*parse_text_utf8(const char *text);
int		 parse_text_is_jis(const char *text);

/* parse_transcript.c */
const char	*parse_transcript_command(const char *text,
		    const char *address);

/* parse_heuristic.c */
enum { BOUNCED_NOT, BOUNCED_MAYBE, BOUNCED_SURELY };
int		 parse_looks_bounced(struct report *, GMimeMessage *);
void		 parse_heuristic(struct report *, GMimeMessage *);
size_t		 parse_prose_end(const char *text);

/* parse_shallow.c */
char		*parse_shallow(const char *buf, size_t len, size_t *len_r);

/* parse_listreply.c */
int		 parse_list_refusal(struct report *, GMimeMessage *);

/* parse_autoreply.c */
int		 parse_is_challenge(const char *subject, const char *text);
int		 parse_is_autoreply(const char *auto_submitted,
		    const char *precedence, const char *subject, const char *from,
		    int vendor_flag);

/* parse_date.c: a report without a Date, dated by its DSN. */
void		 parse_date_fallback(struct report *);

#endif

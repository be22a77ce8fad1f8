/*
 * parse.c: one returned message, as bytes, into a struct report.
 *
 * Line endings are made LF first (GMime reads LF and CRLF, not a bare
 * CR), a leading mbox "From " line is dropped, over-long header fields
 * are cut and the message ends at the part limit (parse_limits.c); then
 * GMime parses the MIME structure.  The tree is walked without
 * recursion, to a bounded depth and part count ([limits] of
 * rebound.conf): report parts are decoded and read by parse_dsn.c /
 * parse_arf.c, the returned message's headers by parse_returned.c, the
 * first text/plain part is kept (bounded) for the classifier.  The
 * returned message's own parts are never entered.
 * What the message is (DSN, ARF, auto-reply or nothing) is decided last.
 */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "addr.h"
#include "parse_int.h"
#include "phrases.h"
#include "status.h"

struct parse_frame {
	GMimeObject	*object;
	int		 depth;
};

struct parse_walk {
	struct report	*report;
	const struct parse_limits *limits;
	int		 has_dsn;
	int		 has_arf;
	guint		 parts;
};

/*
 * Charsets bounces are written in, besides UTF-8 and ASCII (which need
 * no module).  glibc unloads a charset's conversion module when its last
 * converter closes, and GMime opens and closes one for each part and
 * encoded word it converts: each message would load the module again
 * (191 dlopens over the corpus ten times; bench/README).  A converter
 * held open for each keeps its module loaded.
 */
static const char *const parse_pinned_charsets[] = {
	"ISO-8859-1", "ISO-8859-15", "WINDOWS-1252", "WINDOWS-1251",
	"ISO-2022-JP", "SHIFT_JIS", "EUC-JP", "UTF-7",
};
static GIConv parse_pins[G_N_ELEMENTS(parse_pinned_charsets)];

void
parse_init(void)
{
	size_t i;

	g_mime_init();
	for (i = 0; i < G_N_ELEMENTS(parse_pins); i++)
		parse_pins[i] = g_iconv_open("UTF-8", parse_pinned_charsets[i]);
}

void
parse_shutdown(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(parse_pins); i++) {
		if (parse_pins[i] != (GIConv)-1)
			g_iconv_close(parse_pins[i]);
		parse_pins[i] = (GIConv)-1;
	}
	g_mime_shutdown();
}

/*
 * A copy of the message with CRLF and bare CR made LF and a leading
 * mbox "From " line removed.  Returns NULL when the bytes can be used
 * as they are (*off then says where the message starts).
 */
static char *
parse_normalise(const char *buf, size_t len, size_t *off, size_t *len_r)
{
	const char *nl;
	char *out, *q;
	size_t i, run;

	*off = 0;
	if (len > 5 && memcmp(buf, "From ", 5) == 0 &&
	    (nl = memchr(buf, '\n', len)) != NULL)
		*off = nl - buf + 1;
	*len_r = len - *off;
	if (memchr(buf + *off, '\r', *len_r) == NULL)
		return NULL;
	out = q = g_malloc(*len_r + 1);
	for (i = *off; i < len; i++) {
		if (buf[i] != '\r') {
			*q++ = buf[i];
			continue;
		}
		/* "\r\n" and "\r\r\n" end one line; a bare CR ends one too. */
		for (run = i; run + 1 < len && buf[run + 1] == '\r'; run++)
			;
		if (run + 1 < len && buf[run + 1] == '\n')
			i = run;
		else
			*q++ = '\n';
	}
	*len_r = q - out;
	*off = 0;
	return out;
}

/*
 * The decoded content of a leaf part (taken), NUL-terminated, or NULL
 * if it has none.  Only the transfer encoding is undone, not the
 * charset.  *len_r gets the decoded length; bytes after a NUL are
 * cleared, as a copy with g_strndup() would have them.
 */
static char *
parse_part_content(GMimePart *part, size_t *len_r)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *bytes;
	char *nul;

	*len_r = 0;
	if (content == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(content, mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	*len_r = bytes->len;
	g_byte_array_append(bytes, (const guint8 *)"", 1);
	if ((nul = memchr(bytes->data, '\0', *len_r)) != NULL)
		memset(nul, 0, *len_r - (nul - (char *)bytes->data));
	return (char *)g_byte_array_free(bytes, FALSE);
}

/*
 * Keep text (taken) as the human-readable part, bounded, as UTF-8.
 * Valid UTF-8 (valid says it is known to be, unless the bound cuts it,
 * maybe inside a character) is kept as it is, not copied, unless it is
 * ISO-2022-JP in disguise.
 */
static void
parse_keep_text(struct parse_walk *w, char *text, int valid)
{
	if (strlen(text) > PARSE_TEXT_MAX) {
		text[PARSE_TEXT_MAX] = '\0';
		valid = 0;
	}
	if ((valid || g_utf8_validate(text, -1, NULL)) &&
	    !parse_text_is_jis(text)) {
		w->report->text = text;
		return;
	}
	w->report->text = parse_text_utf8(text);
	g_free(text);
}

/*
 * Would GMime's conversion from charset to UTF-8 give the bytes back
 * as they are?  It does for valid UTF-8 and for 7-bit US-ASCII (a NUL
 * aside, which ends the text either way), and converting costs an
 * iconv pass and a copy.
 */
static int
parse_is_utf8_already(const char *charset, const char *text, size_t len)
{
	size_t i;

	if (g_ascii_strcasecmp(charset, "utf-8") == 0)
		return g_utf8_validate_len(text, len, NULL);
	if (g_ascii_strcasecmp(charset, "us-ascii") != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (text[i] == '\0' || (text[i] & 0x80) != 0)
			return 0;
	return 1;
}

/*
 * The first text/plain part, as g_mime_text_part_get_text() would give
 * it, but converted only where the conversion changes something.
 */
static void
parse_text(struct parse_walk *w, GMimeObject *object)
{
	const char *charset;
	char *text;
	size_t len;

	if (w->report->text != NULL || !GMIME_IS_TEXT_PART(object))
		return;
	if ((text = parse_part_content(GMIME_PART(object), &len)) == NULL)
		return;
	charset = g_mime_object_get_content_type_parameter(object, "charset");
	if (charset == NULL || parse_is_utf8_already(charset, text, len)) {
		parse_keep_text(w, text, charset != NULL);
		return;
	}
	g_free(text);
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));
	if (text != NULL)
		parse_keep_text(w, text, 0);
}

/*
 * A multipart whose boundary parameter was lost (written on a line of
 * its own, unfolded) has no parts: GMime keeps its whole content as the
 * prologue.  Its first part is most often the human-readable text.
 */
static void
parse_lost_boundary(struct parse_walk *w, GMimeMultipart *mp)
{
	const char *prologue = g_mime_multipart_get_prologue(mp);

	if (w->report->text == NULL && prologue != NULL &&
	    g_mime_multipart_get_count(mp) == 0)
		parse_keep_text(w, g_strdup(prologue), 0);
}

static int
parse_is(GMimeContentType *ct, const char *type, const char *subtype)
{
	return g_mime_content_type_is_type(ct, type, subtype);
}

/* A leaf part: a report, returned headers, or the human-readable text. */
static void
parse_leaf(struct parse_walk *w, GMimeObject *object)
{
	GMimeContentType *ct = g_mime_object_get_content_type(object);
	char *body;
	size_t len;

	if (!GMIME_IS_PART(object))
		return;
	if (parse_is(ct, "message", "delivery-status") ||
	    parse_is(ct, "message", "global-delivery-status")) {
		body = parse_part_content(GMIME_PART(object), &len);
		parse_dsn(w->report, body, len);
		w->has_dsn = 1;
	} else if (parse_is(ct, "message", "feedback-report")) {
		body = parse_part_content(GMIME_PART(object), &len);
		parse_arf(w->report, body, len);
		w->has_arf = 1;
	} else if (parse_is(ct, "text", "rfc822-headers") ||
	    parse_is(ct, "text", "rfc822-header") ||
	    parse_is(ct, "message", "global-headers") ||
	    parse_is(ct, "message", "rfc822") ||
	    parse_is(ct, "message", "global")) {
		body = parse_part_content(GMIME_PART(object), &len);
		parse_returned_headers(w->report, body, len);
	} else if (parse_is(ct, "text", "plain")) {
		parse_text(w, object);
		return;
	} else
		return;
	g_free(body);
}

static void
parse_push(GArray *stack, GMimeObject *object, int depth)
{
	struct parse_frame frame = { object, depth };

	g_array_append_val(stack, frame);
}

/*
 * An attached message is the returned original, unless no report was
 * seen yet and it is itself a report: a bounce forwarded as an
 * attachment.  Then it is walked like the top level.
 */
static void
parse_attached(struct parse_walk *w, GArray *stack, struct parse_frame f)
{
	GMimeMessage *m = g_mime_message_part_get_message(
	    GMIME_MESSAGE_PART(f.object));
	GMimeObject *body;

	if (m == NULL)
		return;
	body = g_mime_message_get_mime_part(m);
	if (!w->has_dsn && !w->has_arf && body != NULL &&
	    GMIME_IS_MULTIPART(body) && f.depth < (int)w->limits->depth &&
	    parse_is(g_mime_object_get_content_type(body), "multipart",
	    "report")) {
		parse_push(stack, body, f.depth + 1);
		return;
	}
	parse_returned_message(w->report, m);
}

/* Depth-first, in document order, with an explicit stack. */
static void
parse_tree(struct parse_walk *w, GMimeObject *root)
{
	GArray *stack = g_array_new(FALSE, FALSE, sizeof(struct parse_frame));
	struct parse_frame f;
	int i, n;

	parse_push(stack, root, 0);
	while (stack->len > 0) {
		if (w->parts++ >= w->limits->parts) {
			parse_over_limit(w->report, "mime_parts", w->limits->parts);
			break;
		}
		f = g_array_index(stack, struct parse_frame, stack->len - 1);
		g_array_set_size(stack, stack->len - 1);
		if (GMIME_IS_MESSAGE_PART(f.object))
			parse_attached(w, stack, f);
		else if (GMIME_IS_MULTIPART(f.object)) {
			if (f.depth >= (int)w->limits->depth) {
				parse_over_limit(w->report, "mime_depth",
				    w->limits->depth);
				continue;
			}
			n = g_mime_multipart_get_count(GMIME_MULTIPART(f.object));
			for (i = n - 1; i >= 0; i--)
				parse_push(stack, g_mime_multipart_get_part(
				    GMIME_MULTIPART(f.object), i), f.depth + 1);
			parse_lost_boundary(w, GMIME_MULTIPART(f.object));
		} else
			parse_leaf(w, f.object);
	}
	g_array_free(stack, TRUE);
}

static char *
parse_header(GMimeMessage *msg, const char *name)
{
	const char *raw = g_mime_object_get_header(GMIME_OBJECT(msg), name);

	return raw == NULL ? NULL : g_strstrip(g_strdup(raw));
}

/* The first address of the bounce's From: or To: header. */
static char *
parse_first_address(InternetAddressList *list)
{
	InternetAddress *ia;

	if (list == NULL || internet_address_list_length(list) == 0)
		return NULL;
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	return addr_normalise(internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(ia)));
}

/*
 * Where the message came from and when: the bounce's Date, and the
 * envelope recipient a local delivery agent wrote down (VERP lives
 * there when the message comes from a file or a maildir).
 */
static void
parse_envelope(struct report *rp, GMimeMessage *msg)
{
	GDateTime *date = g_mime_message_get_date(msg);
	const char *to = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "X-Original-To");

	if (date != NULL)
		rp->date = g_date_time_to_unix(date);
	if (to == NULL)
		to = g_mime_object_get_header(GMIME_OBJECT(msg), "Delivered-To");
	rp->envelope_to = addr_normalise(to);
}

/* Make rp an auto-reply if msg is one; returns whether it did. */
static int
parse_autoreply(struct report *rp, GMimeMessage *msg)
{
	g_autofree char *as = parse_header(msg, "Auto-Submitted");
	g_autofree char *prec = parse_header(msg, "Precedence");
	int vendor = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "X-Autoreply") != NULL || g_mime_object_get_header(
	    GMIME_OBJECT(msg), "X-Autorespond") != NULL;
	const char *apple = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "X-Apple-Action");
	struct recipient *r;

	if (apple != NULL && g_ascii_strncasecmp(apple, "vacation", 8) == 0)
		vendor = 1;
	if (!parse_is_autoreply(as, prec, rp->subject, rp->from, vendor))
		return 0;
	rp->kind = REPORT_AUTOREPLY;
	r = report_add_recipient(rp);
	r->address = g_strdup(rp->from);
	return 1;
}

/*
 * Recipients a report left without an address get the returned To:,
 * where it names one address.  A To: of several does not say which of
 * them complained or failed: no guess.
 */
static char *
parse_only_mailbox(const char *to)
{
	InternetAddressList *list;
	InternetAddress *ia;
	char *one = NULL;

	if (to == NULL)
		return NULL;
	if ((list = internet_address_list_parse(NULL, to)) == NULL)
		return addr_normalise(to);
	if (internet_address_list_length(list) == 1 &&
	    INTERNET_ADDRESS_IS_MAILBOX(ia =
	    internet_address_list_get_address(list, 0)))
		one = addr_normalise(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)));
	g_object_unref(list);
	return one;
}

static void
parse_fill_addresses(struct report *rp)
{
	g_autofree char *to = parse_only_mailbox(rp->orig_to);
	struct recipient *r;
	guint i;

	for (i = 0; i < rp->recipients->len; i++) {
		r = g_ptr_array_index(rp->recipients, i);
		if (r->address == NULL && r->original != NULL)
			r->address = g_strdup(r->original);
		if (r->address == NULL && to != NULL)
			r->address = g_strdup(to);
	}
}

/*
 * The next "-recipient:" in text at or after p, in any case, or NULL.
 * Found from its colon: strchr() skips the text far faster than
 * strcasestr() compares it.
 */
static const char *
parse_find_recipient_field(const char *p)
{
	static const char name[] = "-recipient";
	const size_t n = sizeof name - 1;
	const char *colon;

	if (strnlen(p, n) < n)
		return NULL;
	for (colon = p + n; (colon = strchr(colon, ':')) != NULL; colon++)
		if (g_ascii_strncasecmp(colon - n, name, n) == 0)
			return colon - n;
	return NULL;
}

/*
 * Where no report part carried a recipient, a report may still sit in
 * the text: broken boundaries, a multipart without a boundary, or a DSN
 * pasted into a plain message.  Its fields are read from the first
 * recipient field on.
 */
static void
parse_dsn_in_text(struct report *rp, struct parse_walk *w, const char *text)
{
	const char *p, *line;

	if (text == NULL || rp->recipients->len > 0)
		return;
	/* One pass for "Final-Recipient:" and "Original-Recipient:". */
	for (p = text; (p = parse_find_recipient_field(p)) != NULL; p++) {
		for (line = p; line > text && line[-1] != '\n'; line--)
			;
		if ((p - line == 5 && g_ascii_strncasecmp(line, "final", 5) == 0) ||
		    (p - line == 8 && g_ascii_strncasecmp(line, "original", 8) == 0))
			break;
	}
	if (p == NULL)
		return;
	parse_dsn(rp, line, strlen(line));
	w->has_dsn = 1;
}

/* The raw body of the message, NUL-terminated and bounded. */
static char *
parse_raw_body(const char *msg, size_t len)
{
	/* As g_strstr_len() did: the search ends at a NUL. */
	const char *body = memmem(msg, strnlen(msg, len), "\n\n", 2);

	if (body == NULL)
		return NULL;
	body += 2;
	return g_strndup(body, MIN(len - (body - msg), PARSE_RAW_MAX));
}

/*
 * A delivery report that names nobody ("Delivery report unavailable")
 * still reports a failure: of the X-Failed-Recipients, or else of the
 * returned message's To.
 */
static void
parse_unnamed_recipients(struct report *rp, GMimeMessage *msg)
{
	const char *failed = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "X-Failed-Recipients");
	g_autoptr(GPtrArray) addrs = NULL;
	struct recipient *r;
	guint i;

	if (rp->recipients->len > 0)
		return;
	if (failed != NULL) {
		addrs = addr_split(failed);
		for (i = 0; i < addrs->len && parse_recipient_fits(rp); i++) {
			r = report_add_recipient(rp);
			r->address = g_strdup(g_ptr_array_index(addrs, i));
			r->action = g_strdup("failed");
		}
	} else if (rp->orig_to != NULL) {
		r = report_add_recipient(rp);
		r->action = g_strdup("failed");
	}
}

/*
 * Complaint loops that send no feedback-report part (Hotmail's "complaint
 * about message from ...") still return the message complained about.
 */
static int
parse_complaint(struct report *rp)
{
	struct recipient *r;

	if (rp->orig_to == NULL ||
	    phrases_find("complaint-subject", rp->subject, NULL) == NULL)
		return 0;
	rp->kind = REPORT_ARF;
	rp->feedback_type = g_strdup("abuse");
	r = report_add_recipient(rp);
	r->address = addr_normalise(rp->orig_to);
	return 1;
}

/*
 * A report about one recipient may quote the remote reply apart from
 * the address ("Technical details of permanent failure: ... The error
 * that the other server returned was: 550 ..."): it completes a
 * diagnostic that has no reply code, under a status that names no
 * detail (X.0.0, or an "other" code such as the 5.5.0 Sendmail writes
 * when the server refused DATA: its transcript has the reply).
 */
static void
parse_quoted_reply(struct report *rp, struct recipient *r)
{
	g_autofree char *reply = NULL;
	char *joined;

	if (r->replycode != 0 || !(status_is_generic(r->status) ||
	    g_str_has_suffix(r->status, ".0")) ||
	    (reply = parse_text_reply(rp->text)) == NULL)
		return;
	joined = g_strjoin(" ", r->diagnostic ? r->diagnostic : "", reply, NULL);
	g_free(r->diagnostic);
	r->diagnostic = g_strstrip(joined);
	parse_dsn_complete(r);
}

static int
parse_last_label(void *arg, const char *label, const char *phrase, size_t end)
{
	const char **last = arg;

	*last = label;
	return 1;
}

/*
 * The SMTP command the prose of a one-recipient report names last,
 * where the lines about the recipient name none (m-FILTER writes it in
 * a block of its own): a transcript names commands in the order they
 * were sent, the failed one last.
 */
static void
parse_prose_command(struct report *rp, struct recipient *r)
{
	const char *last = NULL;

	if (r->command != NULL || rp->recipients->len != 1)
		return;
	phrases_each("smtp-command", rp->text, parse_last_label, &last);
	r->command = last;
}

/*
 * The prose about each recipient: the SMTP command it failed at, and
 * the diagnostic where the report gave none.  Where the prose names no
 * command, the recipient's own diagnostic may ("... (in reply to MAIL
 * FROM command)"), before the last command the whole prose names.
 */
/* Does diagnostic say nothing but address (Domino's list of addresses)? */
static int
parse_is_bare(const char *diagnostic, const char *address)
{
	g_autofree char *d = NULL, *a = NULL;
	char *p;
	size_t alen;

	if (diagnostic == NULL)
		return 1;
	d = g_ascii_strdown(diagnostic, -1);
	a = g_ascii_strdown(address, -1);
	alen = strlen(a);
	while (alen > 0 && (p = strstr(d, a)) != NULL)
		memset(p, ' ', alen);
	for (p = d; *p != '\0'; p++)
		if (g_ascii_isalnum(*p))
			return 0;
	return 1;
}

/*
 * A notice without report may give one reason for several addresses
 * whose own lines say nothing else: after them (Lotus Domino: "was not
 * delivered to: a b ... because: REASON") or right above them in the
 * same paragraph (the Lotus SMTP MTA: "User not listed in public Name &
 * Address Book" over "a" and "b").  That reason is their diagnostic.
 */
static void
parse_shared_reason(struct report *rp)
{
	g_autofree char *after = NULL;
	struct recipient *r;
	char *reason, *joined;
	/* A heading is looked for per address: as many as the prose's. */
	int headed = rp->recipients->len <= PARSE_ABOUT_MAX;
	guint i;

	if (rp->kind != REPORT_HEURISTIC || rp->text == NULL)
		return;
	after = parse_text_shared_reason(rp->text);
	for (i = 0; i < rp->recipients->len; i++) {
		r = g_ptr_array_index(rp->recipients, i);
		if (r->address == NULL || !parse_is_bare(r->diagnostic,
		    r->address))
			continue;
		reason = after != NULL ? g_strdup(after) : headed ?
		    parse_text_heading(rp->text, r->address) : NULL;
		if (reason == NULL)
			continue;
		joined = g_strjoin(" ", r->diagnostic ? r->diagnostic : "",
		    reason, NULL);
		g_free(reason);
		g_free(r->diagnostic);
		r->diagnostic = g_strstrip(joined);
		parse_dsn_complete(r);
		if (r->command == NULL)
			r->command = phrases_find("smtp-command", r->diagnostic,
			    NULL);
	}
}

static void
parse_prose(struct report *rp)
{
	int read_about = rp->text != NULL &&
	    rp->recipients->len <= PARSE_ABOUT_MAX;
	int transcript = read_about && strstr(rp->text, "<<< ") != NULL;
	struct recipient *r;
	const char *command;
	char *about;
	guint i;

	for (i = 0; i < rp->recipients->len; i++) {
		r = g_ptr_array_index(rp->recipients, i);
		about = read_about ? parse_text_about(rp->text, r->address,
		    rp->recipients) : NULL;
		/* The prose may name the address the receiver aliased it to. */
		if (about == NULL && read_about && r->final != NULL &&
		    g_strcmp0(r->final, r->address) != 0)
			about = parse_text_about(rp->text, r->final,
			    rp->recipients);
		if (about != NULL) {
			r->command = phrases_find("smtp-command", about, NULL);
			if (r->diagnostic == NULL || r->diagnostic[0] == '\0') {
				g_free(r->diagnostic);
				r->diagnostic = g_steal_pointer(&about);
				parse_dsn_complete(r);
			}
			g_free(about);
		}
		if (r->command == NULL)
			r->command = phrases_find("smtp-command", r->diagnostic,
			    NULL);
		/* A transcript pairs replies with commands, pipelined too. */
		if (transcript && (command = parse_transcript_command(
		    rp->text, r->address)) != NULL)
			r->command = command;
	}
	parse_shared_reason(rp);
	if (rp->text != NULL && rp->recipients->len == 1) {
		parse_prose_command(rp, g_ptr_array_index(rp->recipients, 0));
		parse_quoted_reply(rp, g_ptr_array_index(rp->recipients, 0));
	}
	/*
	 * A notice without report that lists several recipients and quotes
	 * one reply ("... to a@b, c@d.  The server said: 550 ..."): the
	 * reply is each one's that has none of its own.
	 */
	if (rp->text != NULL && rp->kind == REPORT_HEURISTIC &&
	    rp->recipients->len > 1 && read_about)
		for (i = 0; i < rp->recipients->len; i++)
			parse_quoted_reply(rp,
			    g_ptr_array_index(rp->recipients, i));
}

static void
parse_decide(struct report *rp, struct parse_walk *w, GMimeMessage *msg,
    const char *raw, size_t rawlen)
{
	g_autofree char *body = NULL;
	int bounced, ses = 0;

	parse_dsn_in_text(rp, w, rp->text);
	if (rp->recipients->len == 0 && !w->has_arf)
		parse_dsn_in_text(rp, w, body = parse_raw_body(raw, rawlen));
	if (w->has_dsn)
		parse_unnamed_recipients(rp, msg);
	if (w->has_dsn && rp->recipients->len > 0)
		rp->kind = REPORT_DSN;
	else if (w->has_arf)
		rp->kind = REPORT_ARF;
	else if ((ses = parse_ses(rp, rp->text)) || parse_complaint(rp) ||
	    parse_list_refusal(rp, msg))
		;
	else {
		/*
		 * The null sender alone is shared with auto-replies: their
		 * own headers decide first.
		 */
		g_ptr_array_set_size(rp->recipients, 0);
		bounced = parse_looks_bounced(rp, msg);
		if (bounced == BOUNCED_SURELY ||
		    (bounced == BOUNCED_MAYBE && !parse_autoreply(rp, msg)))
			parse_heuristic(rp, msg);
		if (rp->kind == REPORT_AUTOREPLY)
			;
		else if (rp->recipients->len > 0)
			rp->kind = REPORT_HEURISTIC;
		else
			parse_autoreply(rp, msg);
	}
	parse_fill_addresses(rp);
	parse_recipients(rp);
	/* SES's text is its JSON, no prose: each recipient has its own. */
	if (!ses)
		parse_prose(rp);
	parse_challenge(rp);
}

/*
 * The stream borrowed the bytes: drop it once the message (whose parts
 * may still read it) is gone, then the array without its data.
 */
static void
parse_free_stream(GMimeStream *stream, GByteArray *bytes)
{
	g_object_unref(stream);
	g_byte_array_free(bytes, FALSE);
}

struct report *
parse_message(const char *buf, size_t len)
{
	struct parse_limits limits;

	parse_limits_defaults(&limits);
	return parse_message_limited(buf, len, &limits);
}

struct report *
parse_message_limited(const char *buf, size_t len,
    const struct parse_limits *limits)
{
	struct report *rp = report_new();
	struct parse_walk w = { rp, limits, 0, 0, 0 };
	g_autofree char *copy = NULL;
	char *shallow;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	GByteArray *bytes;
	size_t off, n;

	rp->max_recipients = limits->recipients;
	if (buf == NULL)	/* no bytes at all (g_memdup2() gives NULL for 0) */
		buf = "", len = 0;
	copy = parse_normalise(buf, len, &off, &n);
	if (parse_limits_needed(copy ? copy : buf + off, n, limits)) {
		if (copy == NULL) {
			copy = g_memdup2(buf + off, n);
			off = 0;
		}
		n = parse_limits_cut(copy, n, limits, rp);
	}
	if ((shallow = parse_shallow(copy ? copy : buf + off, n, &n)) != NULL) {
		g_free(copy);
		copy = shallow;
	}
	/* GMime reads the bytes where they are: no copy (parse_free_stream). */
	bytes = g_byte_array_new_take((guint8 *)(copy ? copy : buf + off), n);
	stream = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (msg == NULL) {
		parse_free_stream(stream, bytes);
		return rp;
	}
	rp->subject = g_strdup(g_mime_message_get_subject(msg));
	rp->from = parse_first_address(g_mime_message_get_from(msg));
	rp->to = parse_first_address(g_mime_message_get_to(msg));
	parse_envelope(rp, msg);
	if (g_mime_message_get_mime_part(msg) != NULL)
		parse_tree(&w, g_mime_message_get_mime_part(msg));
	parse_decide(rp, &w, msg, copy ? copy : buf + off, n);
	/* GMime decodes a header's value when asked for it: the Received
	   field is asked for only by the last fallback, for a date. */
	if (rp->date <= 0)
		rp->received = g_strdup(g_mime_object_get_header(
		    GMIME_OBJECT(msg), "Received"));
	parse_date_fallback(rp);
	g_object_unref(msg);
	parse_free_stream(stream, bytes);
	return rp;
}

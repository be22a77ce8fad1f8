/*
 * parse_heuristic.c: bounces that carry no machine-readable report.
 *
 * qmail, Exim without DSN, old Sendmail, Exchange, webmail providers
 * write the failure in prose.  A message is taken for such a bounce
 * only when its envelope says so: an X-Failed-Recipients header, a
 * mailer-daemon or postmaster sender, or a failure subject
 * (phrases.tab: daemon-address, bounce-subject, delay-subject).  Its
 * failed recipients are, in order of trust: X-Failed-Recipients; an
 * address right after a lead phrase ("Delivery to the following
 * recipient failed permanently:"; one after "Original address:" stands
 * for the one its lead just named); an address that opens a line of the
 * prose ("<a@b>:", "a@b" alone, "<a@b>... User unknown"); the returned
 * message's To: (each of its addresses), then the first "<a@b>" of
 * the prose, as the last resorts.  The prose stops where the returned message is quoted
 * (returned-marker; with none, at its "Return-Path:" or "Received:"
 * line), and the bounce's own parties (its From and To,
 * the original sender, a contact for help, mail daemons) are never
 * taken for recipients, unless the returned message was addressed to
 * them.  Each recipient's diagnostic is the prose about it.
 */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "addr.h"
#include "parse_int.h"
#include "phrases.h"

#define LEAD_WINDOW	300	/* bytes after a lead phrase to find the address */

struct heuristic {
	struct report	*report;
	const char	*text;
	GPtrArray	*found;		/* candidate addresses, in order */
	GPtrArray	*parties;	/* addresses that are never recipients */
	GPtrArray	*notified;	/* the bounce's To: a recipient only when named */
	GPtrArray	*returned;	/* the returned message's To, each address */
	size_t		 lead_end;	/* where the last lead's address ends */
	int		 lead_found;	/* it was added: found's last one */
};

/*
 * The address around the '@' at at, within [start, end), or NULL;
 * *end_r (when given) gets where it ends.
 */
static char *
heuristic_addr_at(const char *start, const char *at, const char *end,
    const char **end_r)
{
	const char *l = at, *r = at + 1;

	while (l > start && ADDR_LOCAL(l[-1]) && (l[-1] & 0x80) == 0)
		l--;
	while (r < end && ADDR_DOMAIN(*r))
		r++;
	while (r > at + 1 && r[-1] == '.')
		r--;
	if (l == at || r == at + 1 || l[0] == '.')
		return NULL;
	if (end_r != NULL)
		*end_r = r;
	return g_strndup(l, r - l);
}

/* The first address in [p, end), or NULL; *end_r as above. */
static char *
heuristic_first_addr(const char *p, const char *end, const char **end_r)
{
	const char *at;
	char *addr;

	while ((at = memchr(p, '@', end - p)) != NULL) {
		if ((addr = heuristic_addr_at(p, at, end, end_r)) != NULL)
			return addr;
		p = at + 1;
	}
	return NULL;
}

static int
heuristic_has(GPtrArray *list, const char *addr)
{
	guint i;

	for (i = 0; i < list->len; i++)
		if (g_ascii_strcasecmp(g_ptr_array_index(list, i), addr) == 0)
			return 1;
	return 0;
}

/*
 * Keep a candidate unless it is one of the bounce's own parties, a
 * mail daemon or the list's own address; the returned message's own
 * recipient is kept otherwise (a test may send to postmaster).
 * The bounce's To (the notified sender) counts only when named as the
 * failed recipient (X-Failed-Recipients, a lead phrase): a sender may
 * write to itself, but prose greets it too ("Hello a@b,").
 */
static void
heuristic_add(struct heuristic *h, char *raw, int named)
{
	char *addr = raw ? addr_normalise(raw) : NULL;
	int returned_to;

	g_free(raw);
	returned_to = addr != NULL && heuristic_has(h->returned, addr);
	if (addr == NULL || strchr(addr, '@') == NULL ||
	    heuristic_has(h->found, addr) ||
	    report_is_list_address(h->report, addr) ||
	    (!returned_to && (heuristic_has(h->parties, addr) ||
	    (!named && heuristic_has(h->notified, addr)) ||
	    phrases_find("not-recipient", addr, NULL) != NULL))) {
		g_free(addr);
		return;
	}
	if (h->found->len >= h->report->max_recipients) {
		parse_over_limit(h->report, "recipients",
		    h->report->max_recipients);
		g_free(addr);
		return;
	}
	g_ptr_array_add(h->found, addr);
}

static void
heuristic_party_list(GPtrArray *parties, InternetAddressList *list)
{
	InternetAddress *ia;
	int i, n;

	n = list != NULL ? internet_address_list_length(list) : 0;
	for (i = 0; i < n; i++) {
		ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			g_ptr_array_add(parties, addr_normalise(
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia))));
	}
}

static void
heuristic_party(GPtrArray *parties, const char *header_value)
{
	InternetAddressList *list;

	if (header_value == NULL ||
	    (list = internet_address_list_parse(NULL, header_value)) == NULL)
		return;
	heuristic_party_list(parties, list);
	g_object_unref(list);
}

/* The address that starts at p, before eol, or NULL; *end_r as above. */
static char *
heuristic_addr_from(const char *p, const char *eol, const char **end_r)
{
	const char *at = memchr(p, '@', eol - p), *q;

	if (at == NULL)
		return NULL;
	for (q = p; q < at; q++)
		if (!ADDR_LOCAL(*q))
			return NULL;
	return heuristic_addr_at(p, at, eol, end_r);
}

/* Past "and" (a word of its own) at p, else p itself. */
static const char *
heuristic_and(const char *p)
{
	if (g_ascii_strncasecmp(p, "and", 3) == 0 &&
	    (p[3] == ' ' || p[3] == '\t'))
		return p + 3 + strspn(p + 3, " \t");
	return p;
}

/*
 * The addresses that follow the one ending at p on its line, each after
 * a ',', a ';' or "and" ("a@example.org, <b@example.net>; c@example.com
 * and d@example.net"): a list of recipients is one recipient each.
 */
static void
heuristic_more(struct heuristic *h, const char *p, int named)
{
	const char *eol = p + strcspn(p, "\n"), *and;
	char *addr;

	for (;;) {
		p += strspn(p, ">\" \t");
		if (*p == ',' || *p == ';')
			p = heuristic_and(p + 1 + strspn(p + 1, " \t"));
		else if ((and = heuristic_and(p)) != p)
			p = and;
		else
			return;
		p += strspn(p, " \t<\"");
		if ((addr = heuristic_addr_from(p, eol, &p)) == NULL)
			return;
		heuristic_add(h, addr, named);
	}
}

/*
 * "Original address: a@b" right below the lead that named the address
 * the receiver rewrote it to (Sun Java System Messaging Server:
 * "Recipient address: jo@host", "Original address: Jo.Doe@domain"):
 * the address the list sent to stands in for the rewritten one.
 */
static void
heuristic_original(struct heuristic *h, size_t end)
{
	const char *p = h->text + end;
	char *addr, *norm;

	if (!h->lead_found || h->found->len == 0 ||
	    end - h->lead_end > LEAD_WINDOW)
		return;
	p += strspn(p, " \t<\"");
	if ((addr = heuristic_addr_from(p, p + strcspn(p, "\n"), NULL)) == NULL)
		return;
	norm = addr_normalise(addr);
	g_free(addr);
	if (norm == NULL || report_is_list_address(h->report, norm) ||
	    heuristic_has(h->found, norm)) {
		g_free(norm);
		return;
	}
	g_free(h->found->pdata[h->found->len - 1]);
	h->found->pdata[h->found->len - 1] = norm;
	h->lead_found = 0;
}

/*
 * Does a server's reply start at p ("550 5.1.1 <x@y> ...")?  dma writes
 * "did not like our RCPT TO:" and the reply on the next line: an
 * address there is the server's words (an alias, the address as it knows
 * it), not the failed recipient dma names above.
 */
static int
heuristic_reply_at(const char *p)
{
	p += strspn(p, " \t\n");
	return g_ascii_isdigit(p[0]) && g_ascii_isdigit(p[1]) &&
	    g_ascii_isdigit(p[2]) && (p[3] == ' ' || p[3] == '-');
}

static int
heuristic_lead(void *arg, const char *label, const char *phrase, size_t end)
{
	struct heuristic *h = arg;
	const char *p = h->text + end, *after;
	char *addr;
	guint before = h->found->len;

	if (strcmp(label, "original") == 0) {
		heuristic_original(h, end);
		return 1;
	}
	if (heuristic_reply_at(p))
		return 1;
	addr = heuristic_first_addr(p, p + strnlen(p, LEAD_WINDOW), &after);
	if (addr == NULL)
		return 1;
	heuristic_add(h, addr, 1);
	h->lead_found = h->found->len == before + 1;
	h->lead_end = after - h->text;
	heuristic_more(h, after, 1);
	return 1;
}

/*
 * The address right after a party lead ("A message sent by <a@b>",
 * "please contact <postmaster@b>") is a party: only the next word
 * counts.  "Message from <a@b> to <c@d>" names the recipient next.
 */
static int
heuristic_party_lead(void *arg, const char *label, const char *phrase, size_t end)
{
	struct heuristic *h = arg;
	const char *p = h->text + end, *word, *eol;
	char *addr;

	p += strspn(p, " \t\n<\"");
	word = p + strcspn(p, " \t\n>\"");
	if ((addr = heuristic_first_addr(p, word, NULL)) == NULL)
		return 1;
	g_ptr_array_add(h->parties, addr_normalise(addr));
	g_free(addr);
	p = word + strspn(word, ">\" \t");
	if (g_ascii_strncasecmp(p, "to ", 3) != 0)
		return 1;
	p += 3 + strspn(p + 3, " \t<\"");
	eol = p + strcspn(p, "\n");
	if ((addr = heuristic_addr_from(p, eol, &word)) != NULL) {
		heuristic_add(h, addr, 1);
		heuristic_more(h, word, 1);
	}
	return 1;
}

/* Does a party-after phrase open [p, eol)? */
static int
heuristic_after_end(void *arg, const char *label, const char *phrase,
    size_t end)
{
	int *opens = arg;

	*opens = end == strlen(phrase);
	return !*opens;
}

static int
heuristic_is_sender(const char *p, const char *eol)
{
	g_autofree char *rest = NULL;
	int opens = 0;

	p += strspn(p, ">\" \t");
	rest = g_strndup(p, MIN((size_t)(eol - p), 64));
	phrases_each("party-after", rest, heuristic_after_end, &opens);
	return opens;
}

/*
 * An address opening a line, maybe after a bullet: "<a@b>:", "a@b",
 * "<a@b>... reason", "  * a@b".
 */
static void
heuristic_line(struct heuristic *h, const char *line, const char *eol)
{
	const char *p = line + strspn(line, " \t*-"), *after;
	char *addr;

	/* Sendmail v5: "554 <a@b>... 550 Host unknown". */
	if (g_ascii_isdigit(p[0]) && g_ascii_isdigit(p[1]) &&
	    g_ascii_isdigit(p[2]) && p[3] == ' ')
		p += 4;
	p += strspn(p, " \t");
	if (*p == '<' || *p == '"')
		p++;
	if ((addr = heuristic_addr_from(p, eol, &after)) == NULL)
		return;
	if (heuristic_is_sender(after, eol)) {
		g_ptr_array_add(h->parties, addr_normalise(addr));
		g_free(addr);
		return;
	}
	heuristic_add(h, addr, 0);
	heuristic_more(h, after, 0);
}

static void
heuristic_lines(struct heuristic *h)
{
	const char *line = h->text, *eol;

	while (*line != '\0') {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		heuristic_line(h, line, eol);
		line = *eol == '\n' ? eol + 1 : eol;
	}
}

static int
heuristic_null_path(const char *path)
{
	path += strspn(path, " \t");
	return strncmp(path, "<>", 2) == 0 && path[2 + strspn(path + 2, " \t")] == '\0';
}

/*
 * The last resort: the first "<a@b>" of the prose that is no party,
 * with those listed after it ("<a@b>, <c@d> and <e@f>").
 */
static void
heuristic_bracketed(struct heuristic *h)
{
	const char *p = h->text, *close;

	while (h->found->len == 0 && (p = strchr(p, '<')) != NULL) {
		if ((close = strchr(p, '>')) == NULL)
			break;
		if (memchr(p, '@', close - p) != NULL && close - p < 256) {
			heuristic_add(h, heuristic_first_addr(p + 1, close,
			    NULL), 0);
			if (h->found->len > 0)
				heuristic_more(h, close, 0);
		}
		p = close;
	}
}

/* Does the envelope of msg say it is a bounce? */
int
parse_looks_bounced(struct report *rp, GMimeMessage *msg)
{
	const char *from = g_mime_object_get_header(GMIME_OBJECT(msg), "From");
	const char *path = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "Return-Path");

	if (g_mime_object_get_header(GMIME_OBJECT(msg),
	    "X-Failed-Recipients") != NULL ||
	    (from != NULL && phrases_find("daemon-address", from, NULL)) ||
	    phrases_find("bounce-subject", rp->subject, NULL) != NULL ||
	    phrases_find("delay-subject", rp->subject, NULL) != NULL)
		return BOUNCED_SURELY;
	/* Notices go out with the null sender (RFC 5321 4.5.5), not only they. */
	if (path != NULL && heuristic_null_path(path))
		return BOUNCED_MAYBE;
	return BOUNCED_NOT;
}

static int
heuristic_cut(void *arg, const char *label, const char *phrase, size_t end)
{
	size_t *cut = arg;

	*cut = end - strlen(phrase);
	return 0;
}

/*
 * Where a returned message is quoted with no marker: its first line,
 * "Return-Path:" or "Received:" at the start of a line, is never prose.
 */
static void
heuristic_cut_headers(const char *text, size_t *cut)
{
	static const char *const first[] = { "\nReturn-Path:", "\nReceived:" };
	const char *p;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(first); i++)
		if ((p = strstr(text, first[i])) != NULL &&
		    (size_t)(p - text) < *cut)
			*cut = p - text;
}

/*
 * Where the prose of text ends and the returned message is quoted (a
 * returned-marker, else its first header line), or G_MAXSIZE.
 */
size_t
parse_prose_end(const char *text)
{
	size_t cut = G_MAXSIZE;

	if (text == NULL)
		return cut;
	phrases_each("returned-marker", text, heuristic_cut, &cut);
	if (cut == G_MAXSIZE)
		heuristic_cut_headers(text, &cut);
	return cut;
}

/*
 * The prose ends where the returned message is quoted; the quoted
 * headers stand in for a returned message part the bounce lacks.
 */
static void
heuristic_trim_text(struct report *rp)
{
	size_t cut = parse_prose_end(rp->text);
	const char *quoted;

	if (cut == G_MAXSIZE)
		return;
	if (rp->orig_to == NULL && (quoted = strchr(rp->text + cut, '\n')))
		parse_returned_headers(rp, quoted, strlen(quoted));
	rp->text[cut] = '\0';
}

/* The notice's prose: trimmed, without the lines that are no evidence. */
static void
heuristic_prose(struct report *rp)
{
	heuristic_trim_text(rp);
	parse_text_drop_noise(rp->text);
}

static void
heuristic_recipients(struct report *rp, struct heuristic *h)
{
	int delayed = phrases_find("delay-subject", rp->subject, NULL) != NULL;
	struct recipient *r;
	guint i;

	for (i = 0; i < h->found->len; i++) {
		r = report_add_recipient(rp);
		r->address = g_strdup(g_ptr_array_index(h->found, i));
		r->action = g_strdup(delayed ? "delayed" : "failed");
	}
}

void
parse_heuristic(struct report *rp, GMimeMessage *msg)
{
	struct heuristic h = { rp, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	guint j;
	const char *failed;
	g_autoptr(GPtrArray) addrs = NULL;
	guint i;

	/* The prose first: where it quotes the returned headers, they count. */
	if (rp->text != NULL)
		heuristic_prose(rp);
	h.found = g_ptr_array_new_with_free_func(g_free);
	h.parties = g_ptr_array_new_with_free_func(g_free);
	h.notified = g_ptr_array_new_with_free_func(g_free);
	h.returned = g_ptr_array_new_with_free_func(g_free);
	heuristic_party(h.returned, rp->orig_to);
	/* GMime parsed the bounce's own To and From already. */
	heuristic_party_list(h.notified, g_mime_message_get_to(msg));
	heuristic_party_list(h.parties, g_mime_message_get_from(msg));
	heuristic_party(h.parties, rp->orig_from);
	failed = g_mime_object_get_header(GMIME_OBJECT(msg),
	    "X-Failed-Recipients");
	if (failed != NULL) {
		addrs = addr_split(failed);
		for (i = 0; i < addrs->len; i++)
			heuristic_add(&h, g_strdup(g_ptr_array_index(addrs, i)),
			    1);
	}
	if (rp->text != NULL) {
		h.text = rp->text;
		phrases_each("party-lead", h.text, heuristic_party_lead, &h);
		phrases_each("recipient-lead", h.text, heuristic_lead, &h);
		heuristic_lines(&h);
	}
	/* The returned message's To, one recipient for each address. */
	if (h.found->len == 0)
		for (j = 0; j < h.returned->len; j++)
			heuristic_add(&h, g_strdup(g_ptr_array_index(
			    h.returned, j)), 0);
	if (h.found->len == 0 && h.text != NULL)
		heuristic_bracketed(&h);
	heuristic_recipients(rp, &h);
	g_ptr_array_unref(h.found);
	g_ptr_array_unref(h.parties);
	g_ptr_array_unref(h.notified);
	g_ptr_array_unref(h.returned);
}

/*
 * parse_dsn.c: the body of a message/delivery-status (RFC 3464) or
 * message/global-delivery-status (RFC 6533) part.
 *
 * The body is a per-message block and one block per recipient.  Real
 * reports bend this: blocks without blank lines between them, the
 * per-message fields inside a recipient block, Original-Recipient before
 * or after Final-Recipient.  So fields are read in order: per-message
 * names always go to the report, a recipient name starts a new recipient
 * after a blank line or when the current one already has that field.
 * Status and reply code missing or generic in the fields are taken from
 * the Diagnostic-Code text when it holds a more specific one.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "fields.h"
#include "parse_int.h"
#include "status.h"

enum dsn_field {
	DSN_OTHER,
	DSN_REPORTING_MTA,
	DSN_ARRIVAL_DATE,
	DSN_ENVELOPE_ID,
	DSN_FINAL_RECIPIENT,
	DSN_ORIGINAL_RECIPIENT,
	DSN_ACTION,
	DSN_STATUS,
	DSN_REMOTE_MTA,
	DSN_DIAGNOSTIC,
	DSN_LAST_ATTEMPT,
	DSN_RETRY_UNTIL,
	DSN_CATEGORY
};

static const struct {
	const char	*name;
	enum dsn_field	 field;
} dsn_names[] = {
	{ "Reporting-MTA", DSN_REPORTING_MTA },
	{ "Arrival-Date", DSN_ARRIVAL_DATE },
	{ "Original-Envelope-Id", DSN_ENVELOPE_ID },
	{ "Final-Recipient", DSN_FINAL_RECIPIENT },
	{ "Original-Recipient", DSN_ORIGINAL_RECIPIENT },
	{ "Action", DSN_ACTION },
	{ "Status", DSN_STATUS },
	{ "Remote-MTA", DSN_REMOTE_MTA },
	{ "Diagnostic-Code", DSN_DIAGNOSTIC },
	{ "Last-Attempt-Date", DSN_LAST_ATTEMPT },
	{ "Will-Retry-Until", DSN_RETRY_UNTIL },
	/* PowerMTA's own class of the remote reply ("bad-mailbox"). */
	{ "X-PowerMTA-BounceCategory", DSN_CATEGORY },
};

static enum dsn_field
dsn_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(dsn_names); i++)
		if (g_ascii_strcasecmp(name, dsn_names[i].name) == 0)
			return dsn_names[i].field;
	return DSN_OTHER;
}

/* The slot of recipient r that field f fills. */
static char **
dsn_slot(struct recipient *r, enum dsn_field f)
{
	switch (f) {
	case DSN_FINAL_RECIPIENT:
		return &r->address;
	case DSN_ORIGINAL_RECIPIENT:
		return &r->original;
	case DSN_ACTION:
		return &r->action;
	case DSN_REMOTE_MTA:
		return &r->remote_mta;
	case DSN_DIAGNOSTIC:
		return &r->diagnostic;
	case DSN_LAST_ATTEMPT:
		return &r->last_attempt;
	case DSN_RETRY_UNTIL:
		return &r->retry_until;
	case DSN_CATEGORY:
		return &r->category;
	default:
		return NULL;
	}
}

static int
dsn_recipient_has(struct recipient *r, enum dsn_field f)
{
	char **slot;

	if (f == DSN_STATUS)
		return r->status[0] != '\0';
	slot = dsn_slot(r, f);
	return slot != NULL && *slot != NULL;
}

/*
 * The Action as one of RFC 3464's words; the variants some servers
 * write are mapped (SendGrid's "expired": given up after retrying),
 * anything else is dropped (NULL).
 */
static char *
dsn_action(const char *value)
{
	static const char *map[][2] = {
		{ "failed", "failed" }, { "failure", "failed" },
		{ "expired", "failed" },
		{ "delayed", "delayed" }, { "delay", "delayed" },
		{ "delivered", "delivered" }, { "deliverable", "delivered" },
		{ "relayed", "relayed" }, { "expanded", "expanded" },
	};
	g_autofree char *word = g_ascii_strdown(value, -1);
	size_t i;

	word[strcspn(word, " \t;(")] = '\0';
	for (i = 0; i < G_N_ELEMENTS(map); i++)
		if (strcmp(word, map[i][0]) == 0)
			return g_strdup(map[i][1]);
	return NULL;
}

static char *
dsn_text(const char *value)
{
	g_autofree char *plain = addr_strip_type(value);

	return parse_text_utf8(plain);
}

static void
dsn_set_recipient(struct recipient *r, enum dsn_field f, const char *value)
{
	char **slot;
	char *decoded;

	switch (f) {
	case DSN_STATUS:
		status_parse(value, r->status);
		return;
	case DSN_FINAL_RECIPIENT:
		r->address = addr_normalise(value);
		r->final = g_strdup(r->address);
		return;
	case DSN_ORIGINAL_RECIPIENT:
		decoded = addr_xtext_decode(value);
		r->original = addr_normalise(decoded);
		g_free(decoded);
		return;
	case DSN_ACTION:
		r->action = dsn_action(value);
		return;
	case DSN_CATEGORY:
		r->category = g_ascii_strdown(value, -1);
		g_strstrip(r->category);
		return;
	case DSN_DIAGNOSTIC:
		r->diagnostic = dsn_text(value);
		r->local_program = g_ascii_strncasecmp(value + strspn(value,
		    " \t"), "x-unix;", 7) == 0;
		r->remote_diagnostic = g_ascii_strncasecmp(value +
		    strspn(value, " \t"), "smtp;", 5) == 0;
		return;
	default:
		slot = dsn_slot(r, f);
		g_free(*slot);
		*slot = addr_strip_type(value);
	}
}

static void
dsn_set_message(struct report *rp, enum dsn_field f, const char *value)
{
	char **slot = f == DSN_REPORTING_MTA ? &rp->reporting_mta :
	    f == DSN_ARRIVAL_DATE ? &rp->arrival_date : &rp->envelope_id;

	if (*slot == NULL)
		*slot = addr_strip_type(value);
}

/* Does the recipient's Action or Status report a success? */
static int
dsn_succeeded(const struct recipient *r)
{
	if (r->action == NULL)
		return status_class(r->status) == 2;
	return strcmp(r->action, "delivered") == 0 ||
	    strcmp(r->action, "relayed") == 0 ||
	    strcmp(r->action, "expanded") == 0;
}

/*
 * Status and reply code from the diagnostic.  A specific code in the
 * remote server's own words beats the Status field, which is the
 * reporting MTA's summary of them (Sendmail writes 5.1.1 for a "550
 * 5.7.1 IP blacklisted" reply).  Only a success has a 2xx reply.
 */
void
parse_dsn_complete(struct recipient *r)
{
	char found[STATUS_MAX];

	if (r->diagnostic == NULL)
		return;
	if (status_find(r->diagnostic, found) && (r->status[0] == '\0' ||
	    !status_is_generic(found)))
		memcpy(r->status, found, sizeof found);
	if (r->replycode == 0)
		r->replycode = replycode_find(r->diagnostic,
		    dsn_succeeded(r) ? 2 : 4);
	/* A reply code alone still tells the class (RFC 3463 x.0.0). */
	if (r->status[0] == '\0' && r->replycode / 100 >= 4)
		g_snprintf(r->status, STATUS_MAX, "%d.0.0", r->replycode / 100);
}

/* A copy of r's fields for another address of its group. */
static struct recipient *
dsn_copy(struct report *rp, guint at, const struct recipient *r,
    const char *address, const char *original)
{
	struct recipient *c = g_new0(struct recipient, 1);

	c->address = g_strdup(address);
	c->final = g_strdup(address);
	c->original = g_strdup(original);
	c->action = g_strdup(r->action);
	memcpy(c->status, r->status, sizeof c->status);
	c->replycode = r->replycode;
	c->remote_mta = g_strdup(r->remote_mta);
	c->diagnostic = g_strdup(r->diagnostic);
	c->last_attempt = g_strdup(r->last_attempt);
	c->retry_until = g_strdup(r->retry_until);
	c->category = g_strdup(r->category);
	c->local_program = r->local_program;
	g_ptr_array_insert(rp->recipients, at, c);
	return c;
}

/*
 * A Final-Recipient that names several addresses ("rfc822; a@example.org,
 * b@example.net") is one recipient each, with the rest of its group;
 * an Original-Recipient naming as many pairs with them, one naming
 * another count with none.
 */
static void
dsn_split(struct report *rp, guint at, const char *final,
    const char *original)
{
	g_autoptr(GPtrArray) finals = addr_split(final);
	g_autoptr(GPtrArray) originals = NULL;
	g_autofree char *decoded = NULL;
	struct recipient *r = g_ptr_array_index(rp->recipients, at);
	guint i;

	if (finals->len < 2)
		return;
	decoded = original != NULL ? addr_xtext_decode(original) : NULL;
	originals = addr_split(decoded);
	if (originals->len != finals->len)
		g_ptr_array_set_size(originals, 0);
	for (i = finals->len - 1; i > 0; i--)
		if (parse_recipient_fits(rp))
			dsn_copy(rp, at + 1, r, g_ptr_array_index(finals, i),
			    originals->len ? g_ptr_array_index(originals, i) :
			    NULL);
	report_set(&r->address, g_ptr_array_index(finals, 0));
	report_set(&r->final, r->address);
	report_set(&r->original, originals->len ?
	    g_ptr_array_index(originals, 0) : NULL);
}

void
parse_dsn(struct report *rp, const char *buf, size_t len)
{
	GPtrArray *fields = fields_parse(buf, len, 0);
	/* Each new recipient's Final- and Original-Recipient, as written. */
	g_autoptr(GPtrArray) finals = g_ptr_array_new();
	g_autoptr(GPtrArray) originals = g_ptr_array_new();
	guint first = rp->recipients->len;
	struct recipient *r = NULL;
	int group = -1;
	guint i;

	for (i = 0; i < fields->len; i++) {
		struct field *fl = g_ptr_array_index(fields, i);
		enum dsn_field f = dsn_lookup(fl->name);

		if (f == DSN_OTHER)
			continue;
		if (f <= DSN_ENVELOPE_ID) {
			dsn_set_message(rp, f, fl->value);
			continue;
		}
		if (r == NULL || fl->group != group || dsn_recipient_has(r, f)) {
			if (!parse_recipient_fits(rp))
				break;
			r = report_add_recipient(rp);
			g_ptr_array_add(finals, NULL);
			g_ptr_array_add(originals, NULL);
			group = fl->group;
		}
		if (f == DSN_FINAL_RECIPIENT)
			finals->pdata[finals->len - 1] = fl->value;
		else if (f == DSN_ORIGINAL_RECIPIENT)
			originals->pdata[originals->len - 1] = fl->value;
		dsn_set_recipient(r, f, fl->value);
	}
	for (i = finals->len; i-- > 0; )
		if (finals->pdata[i] != NULL)
			dsn_split(rp, first + i, finals->pdata[i],
			    originals->pdata[i]);
	g_ptr_array_unref(fields);
	for (i = 0; i < rp->recipients->len; i++)
		parse_dsn_complete(g_ptr_array_index(rp->recipients, i));
}

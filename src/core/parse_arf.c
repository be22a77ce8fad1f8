/*
 * parse_arf.c: the message/feedback-report part of an RFC 5965 report.
 *
 * An ARF report names its complaint in Feedback-Type; the complaining
 * recipients are every Original-Rcpt-To the reporter gives (RFC 5965
 * §3.2 lets the field appear once per recipient of the message, and a
 * value may name several), else every Removal-Recipient, else the To:
 * of the returned message (filled in later by parse.c once the
 * returned headers are known).  One complaint per recipient.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "fields.h"
#include "parse_int.h"

/* Whether the report already names this complainer. */
static int
arf_has(struct report *rp, const char *address)
{
	struct recipient *r;
	guint i;

	for (i = 0; i < rp->recipients->len; i++) {
		r = g_ptr_array_index(rp->recipients, i);
		if (r->address != NULL && strcmp(r->address, address) == 0)
			return 1;
	}
	return 0;
}

/*
 * One recipient for each address of every field called name; the first
 * fills a recipient nobody has named yet.  Returns how many it found.
 */
static guint
arf_recipients(struct report *rp, GPtrArray *fields, const char *name)
{
	struct recipient *r;
	struct field *fl;
	guint i, j, found = 0;

	for (i = 0; i < fields->len; i++) {
		g_autoptr(GPtrArray) addrs = NULL;

		fl = g_ptr_array_index(fields, i);
		if (g_ascii_strcasecmp(fl->name, name) != 0)
			continue;
		addrs = addr_split(fl->value);
		for (j = 0; j < addrs->len; j++) {
			const char *a = g_ptr_array_index(addrs, j);

			found++;
			if (arf_has(rp, a))
				continue;
			r = rp->recipients->len > 0 ?
			    g_ptr_array_index(rp->recipients, 0) : NULL;
			if (r == NULL || r->address != NULL) {
				if (r != NULL && !parse_recipient_fits(rp))
					return found;
				r = report_add_recipient(rp);
			}
			r->address = g_strdup(a);
		}
	}
	return found;
}

void
parse_arf(struct report *rp, const char *buf, size_t len)
{
	GPtrArray *fields = fields_parse(buf, len, 0);
	const char *type;

	if ((type = fields_get(fields, "Feedback-Type")) != NULL) {
		g_free(rp->feedback_type);
		rp->feedback_type = g_ascii_strdown(type, -1);
		g_strstrip(rp->feedback_type);
	}
	if (arf_recipients(rp, fields, "Original-Rcpt-To") == 0)
		arf_recipients(rp, fields, "Removal-Recipient");
	if (rp->recipients->len == 0)
		report_add_recipient(rp);
	if (rp->arrival_date == NULL)
		report_set(&rp->arrival_date, fields_get(fields, "Arrival-Date"));
	g_ptr_array_unref(fields);
}

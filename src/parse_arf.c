/*
 * parse_arf.c: the message/feedback-report part of an RFC 5965 report.
 *
 * An ARF report names its complaint in Feedback-Type; the complaining
 * recipient is Original-Rcpt-To when the reporter gives it, else
 * Removal-Recipient, else the To: of the returned message (filled in
 * later by parse.c once the returned headers are known).
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "fields.h"
#include "parse_int.h"

void
parse_arf(struct report *rp, const char *buf, size_t len)
{
	GPtrArray *fields = fields_parse(buf, len, 0);
	const char *type, *rcpt;
	struct recipient *r;

	if ((type = fields_get(fields, "Feedback-Type")) != NULL) {
		g_free(rp->feedback_type);
		rp->feedback_type = g_ascii_strdown(type, -1);
		g_strstrip(rp->feedback_type);
	}
	if ((rcpt = fields_get(fields, "Original-Rcpt-To")) == NULL)
		rcpt = fields_get(fields, "Removal-Recipient");
	if (rp->recipients->len == 0)
		report_add_recipient(rp);
	r = g_ptr_array_index(rp->recipients, 0);
	if (rcpt != NULL && r->address == NULL)
		r->address = addr_normalise(rcpt);
	if (rp->arrival_date == NULL)
		report_set(&rp->arrival_date, fields_get(fields, "Arrival-Date"));
	g_ptr_array_unref(fields);
}

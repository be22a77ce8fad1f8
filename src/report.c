/*
 * report.c: allocation and teardown of struct report and its recipients.
 */
#include "config.h"

#include "report.h"

static void
recipient_free(gpointer p)
{
	struct recipient *r = p;

	g_free(r->address);
	g_free(r->original);
	g_free(r->action);
	g_free(r->remote_mta);
	g_free(r->diagnostic);
	g_free(r->last_attempt);
	g_free(r->retry_until);
	g_free(r->category);
	g_free(r->decided);
	g_free(r);
}

struct report *
report_new(void)
{
	struct report *rp = g_new0(struct report, 1);

	rp->recipients = g_ptr_array_new_with_free_func(recipient_free);
	rp->max_recipients = G_MAXUINT;
	return rp;
}

void
report_free(struct report **rpp)
{
	struct report *rp = *rpp;

	if (rp == NULL)
		return;
	g_free(rp->subject);
	g_free(rp->from);
	g_free(rp->envelope_to);
	g_free(rp->text);
	g_free(rp->reporting_mta);
	g_free(rp->arrival_date);
	g_free(rp->envelope_id);
	g_free(rp->feedback_type);
	g_free(rp->orig_message_id);
	g_free(rp->orig_subject);
	g_free(rp->orig_from);
	g_free(rp->orig_to);
	g_free(rp->orig_list_id);
	g_free(rp->limit);
	g_ptr_array_unref(rp->recipients);
	g_free(rp);
	*rpp = NULL;
}

struct recipient *
report_add_recipient(struct report *rp)
{
	struct recipient *r = g_new0(struct recipient, 1);

	g_ptr_array_add(rp->recipients, r);
	return r;
}

const char *
report_kind_name(enum report_kind kind)
{
	switch (kind) {
	case REPORT_DSN:
		return "dsn";
	case REPORT_ARF:
		return "arf";
	case REPORT_AUTOREPLY:
		return "autoreply";
	case REPORT_HEURISTIC:
		return "heuristic";
	case REPORT_NONE:
		break;
	}
	return "none";
}

void
report_set(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

const char *
report_confidence_name(enum confidence confidence)
{
	static const char *const names[] = {
		[CONFIDENCE_WEAK] = "weak",
		[CONFIDENCE_LIKELY] = "likely",
		[CONFIDENCE_CERTAIN] = "certain",
	};

	if ((size_t)confidence >= G_N_ELEMENTS(names))
		return "weak";
	return names[confidence];
}

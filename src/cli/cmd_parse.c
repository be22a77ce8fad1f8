/*
 * cmd_parse.c: "rebound parse [--format tsv|json] PATH...".
 *
 * Reads each message, parses and classifies it, and prints one row per
 * recipient (TSV, the columns DESIGN.md fixes) or one object per message
 * (JSON, with every fact and what decided each reason).  An mbox file
 * is read message by message.  No database.
 * A PATH that cannot be read is reported on stderr and the others are
 * still processed; the exit status is then 1.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "json.h"
#include "mbox.h"
#include "parse.h"
#include "pathwalk.h"
#include "vocab.h"
#include "webhook_parse.h"

enum parse_format { FORMAT_TSV, FORMAT_JSON };
#define FORMAT_COUNT	(FORMAT_JSON + 1)

static const char *const parse_format_names[] = {
	[FORMAT_TSV] = "tsv",
	[FORMAT_JSON] = "json",
};
G_STATIC_ASSERT(G_N_ELEMENTS(parse_format_names) == FORMAT_COUNT);

struct parse_out {
	enum parse_format format;
	int		 webhook;	/* --format-in names a webhook kind ... */
	enum webhook_kind kind;		/* ... this one */
	guint		 messages;
	GString		*buf;
};

/*
 * A TSV cell's text: tabs and line ends would break the row, and other
 * control characters (an ESC in an address) would reach the terminal;
 * each becomes a space, as in output.c.
 */
static void
tsv_text(GString *out, const char *s)
{
	const char *p;

	for (p = s ? s : ""; *p != '\0'; p++)
		g_string_append_c(out, g_ascii_iscntrl(*p) ? ' ' : *p);
}

static void
tsv_cell(GString *out, const char *s)
{
	g_string_append_c(out, '\t');
	tsv_text(out, s);
}

/*
 * Rows of one message; first is the index of its first recipient in
 * the file (an mbox file numbers on across its messages).
 */
static void
tsv_report(GString *out, const char *file, struct report *rp, guint first)
{
	g_autofree char *base = g_path_get_basename(file);
	guint i;

	if (rp->recipients->len == 0) {
		tsv_text(out, base);
		g_string_append(out, "\t-\t\t\tnone\t0\t\t\tnone\n");
		return;
	}
	for (i = 0; i < rp->recipients->len; i++) {
		struct recipient *r = g_ptr_array_index(rp->recipients, i);
		char code[8] = "";

		if (r->replycode != 0)
			g_snprintf(code, sizeof code, "%d", r->replycode);
		tsv_text(out, base);
		g_string_append_printf(out, "\t%u", first + i);
		tsv_cell(out, r->status);
		tsv_cell(out, code);
		tsv_cell(out, report_reason_name(r->reason));
		g_string_append_printf(out, "\t%d", r->hard);
		tsv_cell(out, r->address);
		tsv_cell(out, r->action);
		tsv_cell(out, report_kind_name(rp->kind));
		g_string_append_c(out, '\n');
	}
}

static void
json_recipient(GString *out, guint index, struct recipient *r)
{
	g_string_append_c(out, '{');
	json_member_int(out, "index", index);
	json_member(out, "recipient", r->address);
	json_member(out, "original_recipient", r->original);
	json_member(out, "final_recipient", r->final);
	json_member(out, "action", r->action);
	json_member(out, "status", r->status[0] ? r->status : NULL);
	if (r->replycode != 0)
		json_member_int(out, "replycode", r->replycode);
	else
		json_member(out, "replycode", NULL);
	json_member(out, "reason", report_reason_name(r->reason));
	json_member_int(out, "hard", r->hard);
	json_member(out, "confidence", report_confidence_name(r->confidence));
	json_member(out, "decided_by", r->decided);
	json_member(out, "category", r->category);
	json_member(out, "remote_mta", r->remote_mta);
	json_member(out, "diagnostic", r->diagnostic);
	json_member(out, "last_attempt", r->last_attempt);
	json_member(out, "will_retry_until", r->retry_until);
	g_string_append_c(out, '}');
}

/* A message's members, then those of the message it returns. */
static const char *const json_report_names[] = { "file", "path", "kind",
    "subject", "from", "reporting_mta", "arrival_date", "envelope_id",
    "feedback_type", NULL };
static const char *const json_returned_names[] = { "message_id",
    "subject", "from", "to", "list_id", NULL };

static void
json_report(GString *out, const char *file, struct report *rp, guint first)
{
	g_autofree char *base = g_path_get_basename(file);
	const char *message[] = { base, file, report_kind_name(rp->kind),
	    rp->subject, rp->from, rp->reporting_mta, rp->arrival_date,
	    rp->envelope_id, rp->feedback_type, NULL };
	const char *returned[] = { rp->orig_message_id, rp->orig_subject,
	    rp->orig_from, rp->orig_to, rp->orig_list_id, NULL };
	guint i;

	g_string_append_c(out, '{');
	json_members(out, json_report_names, message);
	g_string_append(out, ",\"returned\":{");
	json_members(out, json_returned_names, returned);
	g_string_append(out, "},\"recipients\":[");
	for (i = 0; i < rp->recipients->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		json_recipient(out, first + i,
		    g_ptr_array_index(rp->recipients, i));
	}
	g_string_append(out, "]}");
}

static void
parse_print(struct parse_out *po, const char *file, struct report *rp,
    guint first)
{
	g_string_truncate(po->buf, 0);
	if (po->format == FORMAT_TSV)
		tsv_report(po->buf, file, rp, first);
	else {
		g_string_append(po->buf, po->messages == 0 ? "[\n" : ",\n");
		json_report(po->buf, file, rp, first);
	}
	fwrite(po->buf->str, 1, po->buf->len, stdout);
	po->messages++;
}

/* A saved webhook body: what reboundd would record of its post. */
static int
parse_webhook(struct parse_out *po, const char *file, const char *bytes,
    gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) parts = webhook_split(po->kind, bytes, len, &error);
	guint i, first = 0;

	for (i = 0; parts != NULL && i < parts->len && error == NULL; i++) {
		const char *part = parts->pdata[i];
		g_autofree char *id = NULL;
		struct report *rp = webhook_parse(po->kind, part, strlen(part),
		    &id, &error);

		if (rp == NULL)
			break;
		classify_report(rp);
		parse_print(po, file, rp, first);
		first += rp->recipients->len;
		report_free(&rp);
	}
	if (error != NULL) {
		g_printerr("rebound: %s: not a %s webhook body: %s\n", file,
		    webhook_kind_name(po->kind), error->message);
		return 0;
	}
	return 1;
}

static int
parse_file(struct parse_out *po, const char *file)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *bytes = NULL;
	struct report *rp;
	GArray *spans;
	guint i, first = 0;
	gsize len;

	if (!g_file_get_contents(file, &bytes, &len, &error)) {
		g_printerr("rebound: %s\n", error->message);
		return 0;
	}
	if (po->webhook)
		return parse_webhook(po, file, bytes, len);
	spans = mbox_split(bytes, len);
	for (i = 0; i < spans->len; i++) {
		struct mbox_span *span = &g_array_index(spans, struct mbox_span, i);

		rp = parse_message(bytes + span->offset, span->length);
		if (rp->limit != NULL)
			g_printerr("rebound: %s: cut short by %s\n", file,
			    rp->limit);
		classify_report(rp);
		parse_print(po, file, rp, first);
		first += rp->recipients->len;
		report_free(&rp);
	}
	g_array_unref(spans);
	return 1;
}

static int
parse_path(struct parse_out *po, const char *path)
{
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	int ok;
	guint i;

	ok = pathwalk_collect(path, files, &error);
	if (!ok)
		g_printerr("rebound: %s\n", error->message);
	for (i = 0; i < files->len; i++)
		ok &= parse_file(po, g_ptr_array_index(files, i));
	return ok;
}

/* --format NAME (NULL: tsv). */
static int
parse_format(const char *name, enum parse_format *format)
{
	g_autofree char *names = NULL;
	int i;

	if (name == NULL)
		name = parse_format_names[FORMAT_TSV];
	if ((i = vocab_find(parse_format_names, FORMAT_COUNT, name)) >= 0) {
		*format = (enum parse_format)i;
		return 1;
	}
	names = vocab_join(parse_format_names, FORMAT_COUNT, "or");
	g_printerr("rebound parse: unknown format '%s' (use %s)\n", name,
	    names);
	return 0;
}

/* --format-in NAME: mail (NULL too), or a webhook kind. */
static int
parse_format_in(const char *name, struct parse_out *po)
{
	g_autofree char *kinds = NULL;

	if (name == NULL || strcmp(name, "mail") == 0)
		return 1;
	if (webhook_kind_parse(name, &po->kind)) {
		po->webhook = 1;
		return 1;
	}
	kinds = webhook_kind_list();
	g_printerr("rebound parse: unknown input format '%s' (use mail, %s)\n",
	    name, kinds);
	return 0;
}

int
cmd_parse(int argc, char **argv)
{
	g_autofree char *format = NULL, *format_in = NULL;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "Output format: tsv (default) or json", "FORMAT" },
		{ "format-in", 0, 0, G_OPTION_ARG_STRING, &format_in,
		  "Input: mail (default), or a saved webhook body of mailgun, "
		  "postmark, sparkpost, sendgrid or ses", "KIND" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct parse_out po = { FORMAT_TSV, 0, 0, 0, NULL };
	int i, ok = 1;

	if (!cli_options(&argc, &argv, &cmd_parse_entry,
	    "Prints one row per recipient of each message file, directory or\n"
	    "maildir.  No database is read or written.", entries))
		return CLI_EXIT_USAGE;
	if (!parse_format(format, &po.format) ||
	    !parse_format_in(format_in, &po))
		return CLI_EXIT_USAGE;
	if (argc < 2) {
		g_printerr("rebound parse: no PATH given (see --help)\n");
		return CLI_EXIT_USAGE;
	}
	po.buf = g_string_new(NULL);
	if (po.format == FORMAT_TSV)
		fputs("file\tindex\tstatus\treplycode\treason\thard\t"
		    "recipient\taction\tkind\n", stdout);
	for (i = 1; i < argc; i++)
		ok &= parse_path(&po, argv[i]);
	if (po.format == FORMAT_JSON)
		fputs(po.messages == 0 ? "[]\n" : "\n]\n", stdout);
	g_string_free(po.buf, TRUE);
	return ok ? CLI_EXIT_OK : CLI_EXIT_INPUT;
}

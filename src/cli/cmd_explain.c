/*
 * cmd_explain.c: "rebound explain CODE...": what an SMTP reply code or
 * an enhanced status code means, and what rebound makes of it.
 *
 * Each CODE is "5.1.1", "X.1.1", "550" or "550 5.1.1" (explain.c reads
 * it).  The default format is text for a person, a block per CODE;
 * --format plain, csv or json prints rows through output.c, one per
 * code of one class (an "X." code alone gives a row for 5 and one for
 * 4).  A CODE that is malformed or unknown is named on stderr and makes
 * the exit status 2; the others are still printed.  What the policy
 * does with each code is that of the configuration the other commands
 * read (--config, else the system file, else the defaults), with
 * --policy values on top as prune takes them (explain_policy.c words it).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explain.h"
#include "output.h"
#include "status.h"
#include "vocab.h"

static int	 cmd_explain(int, char **);
const struct cmd_entry cmd_explain_entry = {
	.name = "explain", .run = cmd_explain,
	.usage = "CODE... - what a status or reply code means",
	.help = "what a status or SMTP reply code means",
};

#define EXPLAIN_WIDTH	76	/* columns of the text format */
#define EXPLAIN_INDENT	12	/* where a field's text starts */

/* What one CODE argument names. */
struct explain_arg {
	const char		*text;		/* as given */
	char			 status[STATUS_MAX];	/* may be "X.1.1" */
	int			 replycode;
	struct explain_code	*code;		/* the status's line */
	struct explain_code	*reply;		/* the reply code's line */
};

static void
explain_arg_clear(struct explain_arg *a)
{
	explain_code_free(&a->code);
	explain_code_free(&a->reply);
}

/*
 * An enhanced status code that is neither registered nor a provider's
 * code rebound knows.  RFC 3463 lets a reader fall back to the subject
 * (x.7.0 for an unknown x.7.y): name it where it is one.
 */
static void
explain_unknown(const char *status)
{
	g_autofree char *key = g_strdup_printf("X.%d.0",
	    status_subject(status));
	struct explain_code *c = explain_lookup(key);

	if (c != NULL)
		g_printerr("rebound explain: %s: no such enhanced status code in "
		    "RFC 3463 or the IANA registry, nor one rebound knows (its "
		    "subject alone, %s, is \"%s\")\n", status, c->key,
		    c->title);
	else
		g_printerr("rebound explain: %s: no such enhanced status code in "
		    "RFC 3463 or the IANA registry, nor one rebound knows\n",
		    status);
	explain_code_free(&c);
}

/* Parse and look up; on failure name the CODE on stderr. */
static int
explain_arg_read(struct explain_arg *a, const char *text)
{
	memset(a, 0, sizeof *a);
	a->text = text;
	if (!explain_parse(text, a->status, &a->replycode)) {
		g_printerr("rebound explain: '%s' is not a code: write a status "
		    "code (5.1.1, or X.1.1 for any class), a reply code (550) "
		    "or both (\"550 5.1.1\")\n", text);
		return 0;
	}
	if (a->status[0] != '\0' &&
	    (a->code = explain_status(a->status)) == NULL) {
		explain_unknown(a->status);
		return 0;
	}
	if (a->replycode != 0 &&
	    (a->reply = explain_reply(a->replycode)) == NULL) {
		g_printerr("rebound explain: %d: not an SMTP reply code rebound "
		    "knows\n", a->replycode);
		return 0;
	}
	return 1;
}

/*
 * The codes of one class that the argument stands for: itself, or for
 * an "X." code its class 5 and 4 forms (the reply code's class alone,
 * when one is given).  Returns how many were written to out.
 */
static int
explain_classes(const struct explain_arg *a, char out[2][STATUS_MAX])
{
	int n = 0;

	if (a->status[0] != 'X') {
		g_strlcpy(out[0], a->status, STATUS_MAX);
		return 1;
	}
	if (a->replycode == 0 || a->replycode / 100 == 5)
		g_snprintf(out[n++], STATUS_MAX, "5%s", a->status + 1);
	if (a->replycode == 0 || a->replycode / 100 == 4)
		g_snprintf(out[n++], STATUS_MAX, "4%s", a->status + 1);
	if (n == 0)
		g_snprintf(out[n++], STATUS_MAX, "%d%s", a->replycode / 100,
		    a->status + 1);
	return n;
}

/* label, then text wrapped at EXPLAIN_WIDTH under EXPLAIN_INDENT. */
static void
explain_field(GString *out, const char *label, const char *text)
{
	g_auto(GStrv) words = g_strsplit(text, " ", -1);
	size_t col, len;
	guint i;

	g_string_append_printf(out, "  %-*s", EXPLAIN_INDENT - 2, label);
	col = EXPLAIN_INDENT;
	for (i = 0; words[i] != NULL; i++) {
		len = g_utf8_strlen(words[i], -1);
		if (col > EXPLAIN_INDENT && col + 1 + len > EXPLAIN_WIDTH) {
			g_string_append_printf(out, "\n%*s", EXPLAIN_INDENT, "");
			col = EXPLAIN_INDENT;
		} else if (col > EXPLAIN_INDENT) {
			g_string_append_c(out, ' ');
			col++;
		}
		g_string_append(out, words[i]);
		col += len;
	}
	g_string_append_c(out, '\n');
}

/* A line of codes.tab as a field: title, source, meaning. */
static void
explain_code_field(GString *out, const struct explain_code *c)
{
	g_autofree char *text = NULL;

	if (c == NULL)
		return;
	text = g_strdup_printf("%s (%s). %s", c->title, c->source, c->meaning);
	explain_field(out, c->key, text);
}

/*
 * The verdict for one code of one class, as text fields: what a failure
 * with that code alone records and what the policy in force does with
 * it; for a hard one, with each confidence it may reach, and the guard.
 */
static void
explain_alone_fields(GString *out, const struct policy *p,
    const char *label, const char *status, int replycode)
{
	static const char *const labels[] = {
		[CONFIDENCE_WEAK] = "weak", [CONFIDENCE_LIKELY] = "likely",
		[CONFIDENCE_CERTAIN] = "certain",
	};
	struct explain_verdict v;
	struct explain_policy ep;
	g_autofree char *text = NULL;
	int c;

	explain_verdict(status, replycode, &v);
	explain_policy(p, status, &v, &ep);
	if (v.class == CLASS_HARD)
		text = g_strdup_printf("a failure with only this code is %s, "
		    "hard, of %s confidence (decided_by \"%s\"); the policy "
		    "at each confidence:", v.reason,
		    report_confidence_name(v.confidence),
		    v.decided ? v.decided : "");
	else
		text = g_strdup_printf("a failure with only this code is %s, "
		    "%s: %s (decided_by \"%s\")", v.reason,
		    report_class_name(v.hard ? CLASS_HARD : CLASS_SOFT),
		    ep.alone, v.decided ? v.decided : "");
	explain_field(out, label, text);
	for (c = CONFIDENCE_CERTAIN; c >= CONFIDENCE_WEAK; c--)
		if (ep.at[c] != NULL)
			explain_field(out, labels[c], ep.at[c]);
	if (ep.guard != NULL)
		explain_field(out, "guard", ep.guard);
	explain_policy_clear(&ep);
	explain_verdict_clear(&v);
}

/* Where the policy in force comes from, as a text field. */
static void
explain_source_field(GString *out, const struct conf *c, char **overrides)
{
	g_autofree char *specs = overrides != NULL ?
	    g_strjoinv(" ", overrides) : NULL;
	g_autofree char *text = g_strdup_printf("%s%s%s", c->file != NULL ?
	    c->file : "the built-in defaults (there is no " CLI_CONF_FILE ")",
	    specs != NULL ? ", with --policy " : "", specs ? specs : "");

	explain_field(out, "policy", text);
}

/* What status.tab says of the code, and whether the words may change it. */
static void
explain_reason_fields(GString *out, const char *status, int replycode)
{
	struct explain_verdict v;
	g_autofree char *reason = NULL;

	explain_verdict(status, replycode, &v);
	if (v.table_reason == NULL)
		reason = g_strdup("none in status.tab");
	else if (v.by_reply)
		reason = g_strdup_printf("%s (status.tab, for the reply code %d)",
		    v.table_reason, replycode);
	else
		reason = g_strdup_printf("%s (status.tab)", v.table_reason);
	explain_field(out, "reason", reason);
	explain_field(out, "words", explain_text_rule(&v));
	explain_verdict_clear(&v);
}

/* What the blocks share: the configuration and --policy. */
struct explain_ctx {
	struct conf	 conf;		/* its policy, --policy applied */
	char		**overrides;	/* --policy KEY=VALUE, or NULL */
};

/* The block of one CODE for a person. */
static void
explain_text(const struct explain_ctx *x, const struct explain_arg *a,
    int first)
{
	char classes[2][STATUS_MAX];
	struct explain_code *cls;
	GString *out = g_string_new(NULL);
	int i, n = explain_classes(a, classes);

	g_string_append_printf(out, "%s%s\n", first ? "" : "\n",
	    a->text + strspn(a->text, " \t"));
	explain_code_field(out, a->code);
	explain_code_field(out, a->reply);
	for (i = 0; i < n; i++) {
		cls = explain_class(classes[i], a->replycode);
		explain_code_field(out, cls);
		explain_code_free(&cls);
	}
	explain_reason_fields(out, classes[0], a->replycode);
	explain_source_field(out, &x->conf, x->overrides);
	for (i = 0; i < n; i++) {
		g_autofree char *label = n > 1 ? g_strdup_printf("as %s",
		    classes[i]) : g_strdup("alone");

		explain_alone_fields(out, &x->conf.policy, label, classes[i],
		    a->replycode);
	}
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
}

/* --format: text, else output.c's, in the order the errors list them. */
enum { EXPLAIN_TEXT };
static const char *const explain_format_names[] = {
	[EXPLAIN_TEXT] = "text", "plain", "csv", "json", "table",
};

static const char *const explain_columns[] = {
	"code", "status", "#replycode", "entry", "title", "source", "meaning",
	"reply_title", "reply_meaning", "reason", "#weak", "words", "outcome",
	"#hard", "class", "decided_by", "confidence", "policy", "if_certain",
	"if_likely", "if_weak", "guard", NULL
};

/* The row of one code of one class (status), through output.c. */
static void
explain_row(struct output *o, const struct policy *p,
    const struct explain_arg *a, const char *status)
{
	const struct explain_code *c = a->code ? a->code : a->reply;
	const struct explain_code *r = a->code ? a->reply : NULL;
	struct explain_verdict v;
	struct explain_policy ep;
	g_autofree char *code = NULL;
	char reply[8] = "";

	if (a->replycode != 0)
		g_snprintf(reply, sizeof reply, "%d", a->replycode);
	code = g_strstrip(g_strjoin(" ", reply, status, NULL));
	explain_verdict(status, a->replycode, &v);
	explain_policy(p, status, &v, &ep);
	{
		const char *row[] = { code, status[0] ? status : NULL,
		    reply, c->key, c->title,
		    c->source, c->meaning, r ? r->title : NULL,
		    r ? r->meaning : NULL, v.table_reason, v.weak ? "1" : "0",
		    explain_text_rule(&v), v.reason, v.hard ? "1" : "0",
		    report_class_name(v.class), v.decided,
		    report_confidence_name(v.confidence), ep.alone,
		    ep.at[CONFIDENCE_CERTAIN], ep.at[CONFIDENCE_LIKELY],
		    ep.at[CONFIDENCE_WEAK], ep.guard, NULL };

		output_row(o, row);
	}
	explain_policy_clear(&ep);
	explain_verdict_clear(&v);
}

static void
explain_rows(struct output *o, const struct policy *p,
    const struct explain_arg *a)
{
	char classes[2][STATUS_MAX];
	int i, n = explain_classes(a, classes);

	for (i = 0; i < n; i++)
		explain_row(o, p, a, classes[i]);
}

/* Each CODE, as text blocks or through o. */
static int
explain_codes(const struct explain_ctx *x, struct output *o, int argc,
    char **argv)
{
	struct explain_arg a;
	int i, rc = CLI_EXIT_OK;

	for (i = 1; i < argc; i++) {
		if (!explain_arg_read(&a, argv[i]))
			rc = CLI_EXIT_USAGE;
		else if (o != NULL)
			explain_rows(o, &x->conf.policy, &a);
		else
			explain_text(x, &a, i == 1);
		explain_arg_clear(&a);
		fflush(stdout);
	}
	return rc;
}

/*
 * --format: text (NULL, the default: *out_r stays NULL), else rows in
 * one of output.c's formats.
 */
static int
explain_format(const char *format, struct output **out_r)
{
	g_autofree char *known = NULL;
	int i = format == NULL ? EXPLAIN_TEXT :
	    vocab_find(explain_format_names, G_N_ELEMENTS(explain_format_names),
	    format);

	if (i == EXPLAIN_TEXT)
		return 1;
	if (i > 0 && (*out_r = output_new(format, explain_columns,
	    NULL)) != NULL)
		return 1;
	known = vocab_join(explain_format_names,
	    G_N_ELEMENTS(explain_format_names), "or");
	g_printerr("rebound explain: unknown format '%s' (use %s)\n", format,
	    known);
	return 0;
}

static int
cmd_explain(int argc, char **argv)
{
	g_autofree char *format = NULL, *config = NULL;
	struct explain_ctx x = { .overrides = NULL };
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
		  "Read the policy from FILE (default " CLI_CONF_FILE ")",
		  "FILE" },
		{ "policy", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &x.overrides,
		  "Explain under this policy value instead (repeatable)",
		  "KEY=VALUE" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "text (the default), plain, csv, json or table", "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GError) error = NULL;
	struct output *o = NULL;
	int rc;

	if (!cli_options(&argc, &argv, &cmd_explain_entry,
	    "For each CODE (5.1.1, X.1.1, 550 or \"550 5.1.1\"), prints what it\n"
	    "means (RFC 3463, the IANA registry, RFC 5321) and what rebound\n"
	    "makes of it: the reason status.tab gives, whether the words of a\n"
	    "report may change it, what a failure with only that code\n"
	    "records (reason, hard or soft, confidence), and what the policy\n"
	    "of the configuration, with --policy changes (as rebound prune\n"
	    "takes them), does with it at each confidence it may reach.", entries))
		return CLI_EXIT_USAGE;
	if (argc < 2) {
		g_printerr("rebound explain: missing CODE (see --help)\n");
		rc = CLI_EXIT_USAGE;
	} else if (!explain_format(format, &o))
		rc = CLI_EXIT_USAGE;
	else if (!cli_conf(&x.conf, config))
		rc = CLI_EXIT_DB;
	else if (!cli_policy(&x.conf.policy, x.overrides, &error)) {
		g_printerr("rebound explain: %s\n", error->message);
		rc = CLI_EXIT_USAGE;
	} else
		rc = explain_codes(&x, o, argc, argv);
	output_finish(&o);
	conf_clear(&x.conf);
	g_strfreev(x.overrides);
	return rc;
}

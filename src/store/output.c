/*
 * output.c: one way to print rows for every query command.
 *
 * "table" (the default on a terminal) aligns columns under a header;
 * "plain" (the default when piped) prints values separated by tabs, one
 * row a line, no header, ready for cut, awk or "mailman delmembers";
 * "csv" follows RFC 4180; "json" prints an array of objects.  Control
 * characters in values are shown as spaces, never passed to a terminal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "output.h"
#include "vocab.h"

static const char *const output_format_names[] = {
	[OUTPUT_TABLE] = "table",
	[OUTPUT_PLAIN] = "plain",
	[OUTPUT_CSV] = "csv",
	[OUTPUT_JSON] = "json",
};
G_STATIC_ASSERT(G_N_ELEMENTS(output_format_names) == OUTPUT_COUNT);

struct output {
	enum output_format format;
	guint		 ncolumns;
	char		**names;	/* without the '#' */
	gboolean	*numeric;
	GPtrArray	*rows;		/* table: of char ** (buffered) */
	guint		 printed;
	GString		*buf;
};

/* "table (on a terminal), plain (when piped), csv or json", for --help. */
const char *
output_format_help(void)
{
	static const char *const when[OUTPUT_COUNT] = {
		[OUTPUT_TABLE] = "on a terminal",
		[OUTPUT_PLAIN] = "when piped",
	};
	static char *help;
	char *names[OUTPUT_COUNT + 1] = { NULL };
	size_t i;

	if (g_once_init_enter(&help)) {
		for (i = 0; i < OUTPUT_COUNT; i++)
			names[i] = when[i] == NULL ?
			    g_strdup(output_format_names[i]) :
			    g_strdup_printf("%s (%s)", output_format_names[i],
			    when[i]);
		g_once_init_leave(&help, vocab_join((const char *const *)names,
		    OUTPUT_COUNT, "or"));
		for (i = 0; i < OUTPUT_COUNT; i++)
			g_free(names[i]);
	}
	return help;
}

/* Which format a --format value (NULL: the default) stands for. */
int
output_format_parse(const char *name, enum output_format *f, GError **error)
{
	g_autofree char *names = NULL;
	int i;

	if (name == NULL) {
		*f = isatty(STDOUT_FILENO) ? OUTPUT_TABLE : OUTPUT_PLAIN;
		return 1;
	}
	if ((i = vocab_find(output_format_names, OUTPUT_COUNT, name)) >= 0) {
		*f = (enum output_format)i;
		return 1;
	}
	names = vocab_join(output_format_names, OUTPUT_COUNT, "or");
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
	    "unknown format '%s' (use %s)", name, names);
	return 0;
}

#define OUTPUT_CELL_MAX	60	/* characters of a table cell */

/* A row copied for the table: NULL cells become "". */
static char **
output_copy(const struct output *o, const char *const *values)
{
	char **row = g_new0(char *, o->ncolumns + 1);
	guint i;

	for (i = 0; i < o->ncolumns; i++)
		row[i] = g_strdup(values[i] ? values[i] : "");
	return row;
}

static void
output_free_row(gpointer p)
{
	g_strfreev(p);
}

/* Will rows go out as plain lines (the default when piped)? */
int
output_is_plain(const char *format)
{
	enum output_format f;

	return output_format_parse(format, &f, NULL) && f == OUTPUT_PLAIN;
}

struct output *
output_new(const char *format, const char *const *columns, GError **error)
{
	enum output_format f;
	struct output *o;
	guint i;

	if (!output_format_parse(format, &f, error))
		return NULL;
	o = g_new0(struct output, 1);
	o->format = f;
	o->ncolumns = g_strv_length((char **)columns);
	o->names = g_new0(char *, o->ncolumns + 1);
	o->numeric = g_new0(gboolean, o->ncolumns);
	for (i = 0; i < o->ncolumns; i++) {
		o->numeric[i] = columns[i][0] == '#';
		o->names[i] = g_strdup(columns[i] + o->numeric[i]);
	}
	o->rows = g_ptr_array_new_with_free_func(output_free_row);
	o->buf = g_string_new(NULL);
	if (f == OUTPUT_CSV)
		output_row(o, (const char *const *)o->names);
	return o;
}

/*
 * A value safe to print: control characters become spaces.  The runs
 * between them go in whole: a character at a time was most of a plain
 * prune's own work, a million addresses long.
 */
static void
output_clean(GString *out, const char *v)
{
	const char *run;

	while (v != NULL && *v != '\0') {
		for (run = v; (guchar)*v >= 0x20 && *v != 0x7f; v++)
			;
		g_string_append_len(out, run, v - run);
		if (*v != '\0') {
			g_string_append_c(out, ' ');
			v++;
		}
	}
}

static void
output_csv(struct output *o, const char *const *values)
{
	guint i;
	const char *p;

	for (i = 0; i < o->ncolumns; i++) {
		if (i > 0)
			g_string_append_c(o->buf, ',');
		if (values[i] == NULL)
			continue;
		g_string_append_c(o->buf, '"');
		for (p = values[i]; *p != '\0'; p++) {
			if (*p == '"')
				g_string_append_c(o->buf, '"');
			g_string_append_c(o->buf, *p);
		}
		g_string_append_c(o->buf, '"');
	}
	g_string_append(o->buf, "\r\n");
}

/* Is v an integer, as a numeric column may print it bare in JSON? */
static int
output_is_integer(const char *v)
{
	if (*v == '-')
		v++;
	if (*v == '\0')
		return 0;
	for (; *v != '\0'; v++)
		if (!g_ascii_isdigit(*v))
			return 0;
	return 1;
}

static void
output_json(struct output *o, const char *const *values)
{
	const char *v;
	guint i;

	g_string_append(o->buf, o->printed == 0 ? "[\n{" : ",\n{");
	for (i = 0; i < o->ncolumns; i++) {
		v = values[i];
		if (o->numeric[i] && v != NULL && output_is_integer(v)) {
			g_string_append_printf(o->buf, "%s\"%s\":%s", i ? "," : "",
			    o->names[i], v);
			continue;
		}
		json_member(o->buf, o->names[i],
		    o->numeric[i] && v != NULL && *v == '\0' ? NULL : v);
	}
	g_string_append_c(o->buf, '}');
}

void
output_row(struct output *o, const char *const *values)
{
	guint i;

	g_string_truncate(o->buf, 0);
	switch (o->format) {
	case OUTPUT_TABLE:
		g_ptr_array_add(o->rows, output_copy(o, values));
		return;
	case OUTPUT_PLAIN:
		for (i = 0; i < o->ncolumns; i++) {
			if (i > 0)
				g_string_append_c(o->buf, '\t');
			output_clean(o->buf, values[i]);
		}
		g_string_append_c(o->buf, '\n');
		break;
	case OUTPUT_CSV:
		output_csv(o, values);
		break;
	case OUTPUT_JSON:
		output_json(o, values);
		break;
	}
	fwrite(o->buf->str, 1, o->buf->len, stdout);
	o->printed++;
}

/* A table cell: cleaned, and cut to OUTPUT_CELL_MAX characters. */
static void
output_cell(GString *cell, const char *value)
{
	const char *cut;

	g_string_truncate(cell, 0);
	output_clean(cell, value);
	if (g_utf8_strlen(cell->str, -1) > OUTPUT_CELL_MAX) {
		cut = g_utf8_offset_to_pointer(cell->str, OUTPUT_CELL_MAX - 1);
		g_string_truncate(cell, cut - cell->str);
		g_string_append(cell, "\u2026");
	}
}

static void
output_table_line(struct output *o, char **values, const guint *width)
{
	GString *cell = g_string_new(NULL);
	guint i;

	g_string_truncate(o->buf, 0);
	for (i = 0; i < o->ncolumns; i++) {
		output_cell(cell, values[i]);
		g_string_append(o->buf, cell->str);
		if (i + 1 < o->ncolumns)
			g_string_append_printf(o->buf, "%*s", (int)(width[i] -
			    g_utf8_strlen(cell->str, -1) + 2), "");
	}
	g_string_append_c(o->buf, '\n');
	fwrite(o->buf->str, 1, o->buf->len, stdout);
	g_string_free(cell, TRUE);
}

static void
output_table(struct output *o)
{
	guint *width = g_new0(guint, o->ncolumns), i, j, n;
	char **row;

	for (i = 0; i < o->ncolumns; i++)
		width[i] = g_utf8_strlen(o->names[i], -1);
	for (j = 0; j < o->rows->len; j++) {
		row = g_ptr_array_index(o->rows, j);
		for (i = 0; i < o->ncolumns; i++)
			if ((n = g_utf8_strlen(row[i], -1)) > width[i])
				width[i] = MIN(n, OUTPUT_CELL_MAX);
	}
	output_table_line(o, o->names, width);
	for (j = 0; j < o->rows->len; j++)
		output_table_line(o, g_ptr_array_index(o->rows, j), width);
	g_free(width);
}

void
output_finish(struct output **op)
{
	struct output *o = *op;

	if (o == NULL)
		return;
	if (o->format == OUTPUT_TABLE)
		output_table(o);
	else if (o->format == OUTPUT_JSON)
		fputs(o->printed == 0 ? "[]\n" : "\n]\n", stdout);
	fflush(stdout);
	g_strfreev(o->names);
	g_free(o->numeric);
	g_ptr_array_unref(o->rows);
	g_string_free(o->buf, TRUE);
	g_free(o);
	*op = NULL;
}

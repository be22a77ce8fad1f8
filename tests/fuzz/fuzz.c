/*
 * fuzz.c: what the fuzz targets share.
 */
#include "config.h"

#include <stdlib.h>

#include <glib.h>

#include "fuzz.h"

/*
 * A critical (a GLib or GMime function called against its contract) is
 * a bug like a crash: it is printed and aborts, which libFuzzer catches
 * and saves the input of.  The rest (a refused session, an unknown
 * command) is the code doing its job on bad input, millions of times.
 */
static GLogWriterOutput
fuzz_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
    gpointer data)
{
	if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) == 0)
		return G_LOG_WRITER_HANDLED;
	g_log_writer_default(level, fields, n, data);
	abort();
}

void
fuzz_quiet(void)
{
	g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
}

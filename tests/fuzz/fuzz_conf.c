/*
 * fuzz_conf.c: rebound.conf text -> conf_load_data(), the parser that
 * conf_load() runs on the file both programs read at start and reboundd
 * again on SIGHUP.  Refusing the text is fine; crashing or leaking is not.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	char *text = g_malloc(size + 1);	/* as g_file_get_contents gives it */
	struct conf conf;

	memcpy(text, data, size);
	text[size] = '\0';
	conf_defaults(&conf);
	conf_load_data(&conf, "fuzz.conf", text, size, &error);
	conf_clear(&conf);
	g_free(text);
	return 0;
}

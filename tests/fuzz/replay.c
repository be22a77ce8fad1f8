/*
 * replay.c: main() for a fuzz target without libFuzzer.  Runs the
 * target over every file named on the command line, so that any build
 * (gcc, no sanitizer, or under valgrind) replays the inputs that once
 * crashed it (tests/fuzz/regress/TARGET/) and its seeds.  Each input is
 * given in a buffer of exactly its size, as libFuzzer gives it.  Prints
 * how many inputs ran; exits 1 if a file cannot be read.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz.h"

int
main(int argc, char **argv)
{
	int i, rc = 0, ran = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *bytes = NULL;
		g_autofree char *exact = NULL;
		gsize len;

		if (!g_file_get_contents(argv[i], &bytes, &len, &error)) {
			g_printerr("replay: %s\n", error->message);
			rc = 1;
			continue;
		}
		exact = g_malloc(MAX(len, 1));	/* never NULL, as libFuzzer's */
		memcpy(exact, bytes, len);
		LLVMFuzzerTestOneInput((const uint8_t *)exact, len);
		ran++;
	}
	g_print("%d input%s replayed\n", ran, ran == 1 ? "" : "s");
	return rc;
}

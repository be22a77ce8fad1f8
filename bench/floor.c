/*
 * floor: the least work any GMime-based bounce parser must do, as a yardstick
 * for rebound's speed.  For every message file it reads the file, has GMime
 * build the MIME tree, and decodes every leaf part once into memory.  It
 * classifies nothing and prints nothing per message, so no real parser built
 * on GMime can be faster than this by more than noise.
 *
 * Usage: floor PATH...   (PATH a file, or a directory read one level deep)
 * Prints the number of messages parsed.
 *
 * Build: cc -O2 -o floor floor.c $(pkg-config --cflags --libs gmime-3.0)
 */

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <gmime/gmime.h>

/* Decode one leaf as a parser would before reading it: into memory. */
static void
floor_decode(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem;

	if (content == NULL)
		return;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(content, mem);
	g_object_unref(mem);
}

/*
 * Depth-first over the message's own tree.  An attached message
 * (message/rfc822) is the returned original: GMime has already parsed it,
 * but its body is not walked, since a bounce parser only needs the report
 * around it and decoding the original would make the floor needlessly high.
 */
static void
floor_walk(GMimeObject *object)
{
	GMimeMultipart *mp;
	int i, n;

	if (GMIME_IS_MULTIPART(object)) {
		mp = GMIME_MULTIPART(object);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++)
			floor_walk(g_mime_multipart_get_part(mp, i));
	} else if (GMIME_IS_PART(object))
		floor_decode(GMIME_PART(object));
}

/* One file holds one message; returns 1 if GMime made a message of it. */
static int
floor_file(const char *path)
{
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeStream *stream;
	GMimeObject *body;
	GError *error = NULL;
	char *bytes;
	gsize len;

	if (!g_file_get_contents(path, &bytes, &len, &error)) {
		fprintf(stderr, "floor: %s\n", error->message);
		g_error_free(error);
		return 0;
	}
	/* The stream takes the buffer over, so the file is not copied again. */
	stream = g_mime_stream_mem_new_with_byte_array(
	    g_byte_array_new_take((guint8 *)bytes, len));
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL)
		return 0;
	if ((body = g_mime_message_get_mime_part(msg)) != NULL)
		floor_walk(body);
	g_object_unref(msg);
	return 1;
}

/* A directory is read one level deep, like a maildir's cur/ or a corpus. */
static long
floor_path(const char *path)
{
	GError *error = NULL;
	const char *name;
	GDir *dir;
	char *file;
	long n = 0;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR))
		return floor_file(path);
	if ((dir = g_dir_open(path, 0, &error)) == NULL) {
		fprintf(stderr, "floor: %s\n", error->message);
		g_error_free(error);
		return 0;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		file = g_build_filename(path, name, NULL);
		if (g_file_test(file, G_FILE_TEST_IS_REGULAR))
			n += floor_file(file);
		g_free(file);
	}
	g_dir_close(dir);
	return n;
}

int
main(int argc, char **argv)
{
	long n = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: floor PATH...\n");
		return 2;
	}
	g_mime_init();
	for (i = 1; i < argc; i++)
		n += floor_path(argv[i]);
	g_mime_shutdown();
	printf("%ld\n", n);
	return 0;
}

/*
 * pathwalk.c: expand a PATH into message files.
 *
 * A regular file is one message.  A maildir (a directory with cur/ and
 * new/) gives the files of new/ then cur/; tmp/ holds deliveries in
 * progress and is skipped.  Any other directory gives its files and
 * those of its subdirectories.  Names starting with "." are skipped.
 * Within a directory files come in name order, so output is stable.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pathwalk.h"

static int pathwalk_dir(const char *, GPtrArray *, GError **);

static int
pathwalk_compare(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
pathwalk_is_maildir(const char *dir)
{
	g_autofree char *cur = g_build_filename(dir, "cur", NULL);
	g_autofree char *new = g_build_filename(dir, "new", NULL);

	return g_file_test(cur, G_FILE_TEST_IS_DIR) &&
	    g_file_test(new, G_FILE_TEST_IS_DIR);
}

static int
pathwalk_entry(const char *path, GPtrArray *files, GError **error)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "%s: %s", path, g_strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return pathwalk_dir(path, files, error);
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: not a regular file or directory", path);
		return 0;
	}
	g_ptr_array_add(files, g_strdup(path));
	return 1;
}

static int
pathwalk_dir(const char *path, GPtrArray *files, GError **error)
{
	GPtrArray *names;
	GDir *dir;
	const char *name;
	int ok = 1;
	guint i;

	if (pathwalk_is_maildir(path)) {
		g_autofree char *new = g_build_filename(path, "new", NULL);
		g_autofree char *cur = g_build_filename(path, "cur", NULL);

		return pathwalk_dir(new, files, error) &&
		    pathwalk_dir(cur, files, error);
	}
	if ((dir = g_dir_open(path, 0, error)) == NULL)
		return 0;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)) != NULL)
		if (name[0] != '.')
			g_ptr_array_add(names, g_build_filename(path, name, NULL));
	g_dir_close(dir);
	g_ptr_array_sort(names, pathwalk_compare);
	for (i = 0; i < names->len && ok; i++)
		ok = pathwalk_entry(g_ptr_array_index(names, i), files, error);
	g_ptr_array_unref(names);
	return ok;
}

/*
 * Append the message files under path to files.  On error returns 0 with
 * *error set; files found before the error stay in files.
 */
int
pathwalk_collect(const char *path, GPtrArray *files, GError **error)
{
	return pathwalk_entry(path, files, error);
}

/*
 * pq.c: libpq loaded by name at the first postgresql:// store (pq.h).
 * Once loaded it stays for the life of the process.
 */
#include "config.h"

#ifdef HAVE_LIBPQ
#include <dlfcn.h>
#include <stddef.h>

#include "pq.h"

/* libpq's soname: 5 since PostgreSQL 8.0. */
#define PQ_SONAME	"libpq.so.5"

struct pq_api pq;

#define PQ_SYMBOL(f) { #f, offsetof(struct pq_api, f) },
static const struct {
	const char	*name;
	size_t		 offset;
} pq_symbols[] = {
	PQ_FUNCTIONS(PQ_SYMBOL)
};
#undef PQ_SYMBOL

gboolean
pq_load(GError **error)
{
	static void *lib;
	void *f;
	size_t i;

	if (lib != NULL)
		return TRUE;
	/* Lazily, as the linker would: RTLD_NOW binds all of libpq's own
	 * calls at once, 1.8 million instructions more. */
	if ((lib = dlopen(PQ_SONAME, RTLD_LAZY | RTLD_LOCAL)) == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "cannot load libpq: %s", dlerror());
		return FALSE;
	}
	for (i = 0; i < G_N_ELEMENTS(pq_symbols); i++) {
		if ((f = dlsym(lib, pq_symbols[i].name)) == NULL) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "libpq has no %s", pq_symbols[i].name);
			dlclose(lib);
			lib = NULL;
			return FALSE;
		}
		*(void **)((char *)&pq + pq_symbols[i].offset) = f;
	}
	return TRUE;
}
#endif /* HAVE_LIBPQ */

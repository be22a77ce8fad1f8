/*
 * fuzz.h: what every fuzz target defines (libFuzzer's entry points) and
 * shares.  A target is linked either with libFuzzer (--enable-fuzzing,
 * tests/fuzz/fuzz_*) or with replay.c (any build, tests/fuzz/replay_*),
 * which runs it over saved inputs.
 */
#ifndef REBOUND_FUZZ_H
#define REBOUND_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	 LLVMFuzzerInitialize(int *argc, char ***argv);
int	 LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Drop GLib's log lines below critical; abort on a critical. */
void	 fuzz_quiet(void);

#endif

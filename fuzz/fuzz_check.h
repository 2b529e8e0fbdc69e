/* What every libFuzzer target here shares: libFuzzer's entry points, and CHECK, which turns
 * a broken invariant into a crash that names the target's file and line. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                      \
	do {                                                                                 \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s: invariant failed at line %d: %s\n", __FILE__, __LINE__, \
			        #cond);                                                              \
			abort();                                                                     \
		}                                                                                \
	} while (0)

#endif

/* common/base/vec.c: see vec.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base/vec.h"

int ld_vec_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	void **a = arr, *na;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : (first ? first : 8);
	if (c < *cap || c > SIZE_MAX / size)
		return -ENOMEM;
	na = realloc(*a, c * size);
	if (!na)
		return -ENOMEM;
	*a = na;
	*cap = c;
	return 0;
}

/* common/base/vec.h: the one growable array. An array is three things the
 * caller keeps together: a pointer, how many elements are used and how
 * many are allocated; ld_vec_grow() makes room for one more. */
#pragma once

#include <stddef.h>

/* Make room for element number *n + 1 of 'size' bytes in *arr (allocated
 * *cap, doubling from 'first'). 0 or -ENOMEM (nothing changed). The caller
 * then fills (*arr)[*n] and increments *n; it frees *arr with free(). */
int ld_vec_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first);

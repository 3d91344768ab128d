/* summary: finding and mapping a store's sender directories and segment files. */
#ifndef APIARY_STORE_STORE_SEGMENTS_H
#define APIARY_STORE_STORE_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct store_seg_map {
	const uint8_t *data;
	size_t len;
};

/* Segment numbers in dirfd, ascending (free *out). */
int store_seg_list(int dirfd, uint32_t **out, size_t *n, struct error *err);
/* Maps NNNNNNNN.seg read-only (an empty file maps to len 0). */
int store_seg_map(int dirfd, uint32_t segno, struct store_seg_map *m,
    struct error *err);
void store_seg_unmap(struct store_seg_map *m);
/*
 * Sender directories under a store root, sorted (free with
 * store_names_free).  When `path` itself holds segments it is one sender's
 * directory: *single is set and the list has its base name.
 */
int store_senders_list(const char *path, char ***names, size_t *n,
    int *single, struct error *err);
void store_names_free(char **names, size_t n);

#endif

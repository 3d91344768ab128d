/* summary: file store: extracted files hashed (SHA-256), stored once by hash, total size bounded. */
#ifndef APIARY_APP_APP_FILES_H
#define APIARY_APP_APP_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Files seen in traffic (HTTP bodies, both directions) are streamed into
 * a temporary file under DIR/tmp while their SHA-256 is computed; on close
 * the file is renamed to DIR/<h0h1>/<sha256> (Suricata filestore v2
 * layout), unless a file of that hash is already there: each content is
 * stored once.  Nothing is stored when `dir` is NULL (hashes and magic
 * are still computed for EVE fileinfo).
 *
 * Bounds: the files under DIR (counted when the store opens, then kept up
 * to date) never pass max_bytes (default 1 GiB): a file that would cross
 * it is not stored ("stored": false).  A file larger than max_file
 * (default 64 MiB) is hashed to the end but not stored.  At most max_open
 * files are being written at once (default 64); past it files are hashed
 * only.  Per file in memory: the SHA-256 context, 64 bytes of head for the
 * magic and a 64 KiB stdio buffer while it is being written.
 */

struct file_store_config {
	const char *dir;		/* NULL: hash only */
	uint64_t max_bytes;		/* default 1 GiB */
	uint64_t max_file;		/* default 64 MiB */
	uint32_t max_open;		/* default 64 */
};

struct file_store_stats {
	uint64_t opened, stored, duplicates, not_stored, truncated;
	uint64_t bytes_stored;		/* bytes under dir now (ours + found) */
	uint64_t write_errors;
};

enum file_state { FILE_STATE_OPEN, FILE_STATE_CLOSED, FILE_STATE_TRUNCATED,
	FILE_STATE_ERROR };

struct file_result {
	char sha256[65];
	uint64_t size;
	const char *magic;		/* static string */
	int stored;			/* the content is in the store */
	enum file_state state;
	int gaps;
	uint64_t file_id;		/* 1, 2, ... per store */
};

struct file_store;
struct file_track;

void file_store_config_default(struct file_store_config *cfg);
/* Creates dir (and dir/tmp) if missing. */
struct file_store *file_store_new(const struct file_store_config *cfg,
    struct error *err);
void file_store_free(struct file_store *fs);
void file_store_stats(const struct file_store *fs, struct file_store_stats *st);

/* NULL only when out of memory. */
struct file_track *file_open(struct file_store *fs);
void file_write(struct file_store *fs, struct file_track *ft, const uint8_t *data,
    size_t len);
/* Bytes are missing (the file is kept as TRUNCATED, not stored). */
void file_gap(struct file_store *fs, struct file_track *ft);
/* complete = 0 when the transfer stopped early.  Frees ft. */
void file_close(struct file_store *fs, struct file_track *ft, int complete,
    struct file_result *res);

const char *file_state_name(enum file_state s);	/* "CLOSED", "TRUNCATED", ... */

/* Magic: a short description of the first bytes (built-in table: ELF, PE,
 * scripts, archives, images, documents), "data" if unknown. */
const char *file_magic(const uint8_t *head, size_t len);

#endif

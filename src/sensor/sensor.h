/* summary: the eBPF sensor as a library: load, attach, poll decoded records. */
#ifndef APIARY_SENSOR_SENSOR_H
#define APIARY_SENSOR_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "sensor/sensor_event.h"

/*
 * One record as user space sees it: timestamps in CLOCK_REALTIME ns, byte
 * fields pointing into the ring buffer (valid during the callback only).
 */
struct sensor_record {
	enum sensor_type type;
	uint32_t flags;			/* SENSOR_F_* */
	uint64_t ts_ns;
	uint32_t pid, tid, ppid, sid, uid, euid, gid;
	char comm[17];
	char tty[SENSOR_TTY_MAX + 1];	/* controlling terminal */
	/* SENSOR_TTY_IN / SENSOR_TTY_OUT */
	uint32_t fd;
	uint32_t offset;
	char io_tty[SENSOR_TTY_MAX + 1];
	const uint8_t *data;
	size_t len;
	/* SENSOR_EXEC: argv is `len` bytes of NUL-separated strings in data */
	char filename[SENSOR_PATH_MAX + 1];
	char cwd[SENSOR_CWD_DEPTH * (SENSOR_NAME_MAX + 1) + 2];
	/* SENSOR_CONNECT / SENSOR_ACCEPT */
	int32_t ret;
	uint16_t family, proto, lport, rport;
	uint8_t laddr[16], raddr[16];
};

struct sensor_config {
	enum sensor_scope scope;
	const char *scope_path;		/* netns file (/run/netns/X) or cgroup dir */
	uint32_t self_pid;		/* never recorded; 0 = getpid() */
};

typedef void (*sensor_fn)(void *ctx, const struct sensor_record *r);

struct sensor;

/*
 * Checks what the kernel offers (BTF, tracefs, BPF) and says exactly what is
 * missing; mounts tracefs when it is not mounted (as inside `ip netns exec`).
 */
struct sensor *sensor_open(const struct sensor_config *cfg, sensor_fn fn,
    void *ctx, struct error *err);
/*
 * Delivers pending records, waiting up to timeout_ms for a wake-up first.
 * The kernel side wakes the reader only when much is waiting, so callers
 * should call this at least every few tens of milliseconds (sensor_fd()
 * alone does not signal every record).  Returns records or -1.
 */
int sensor_poll(struct sensor *s, int timeout_ms);
/* A descriptor that becomes readable when many records are pending. */
int sensor_fd(const struct sensor *s);
/* Records the kernel dropped because the ring buffer was full. */
uint64_t sensor_lost(const struct sensor *s);
void sensor_close(struct sensor *s);

/*
 * Decodes one raw ring-buffer record (as the BPF side wrote it) into r;
 * boot_to_real_ns converts CLOCK_BOOTTIME to CLOCK_REALTIME.  Returns -1 for
 * a record that is short or inconsistent.
 */
int sensor_decode(const void *raw, size_t len, int64_t boot_to_real_ns,
    struct sensor_record *r);

#endif

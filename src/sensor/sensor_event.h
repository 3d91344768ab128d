/* summary: the records the eBPF sensor hands to user space (shared by both sides). */
#ifndef APIARY_SENSOR_EVENT_H
#define APIARY_SENSOR_EVENT_H

/*
 * Included by sensor.bpf.c (with vmlinux.h types) and by the user-space
 * loader (with <stdint.h>), so only fixed-width types appear here.  Every
 * record starts with struct sensor_hdr; `len` says how many bytes of the
 * variable part follow, so the ring buffer carries only what was captured.
 */
#ifndef __VMLINUX_H__
#include <stdint.h>
typedef uint8_t sensor_u8;
typedef uint16_t sensor_u16;
typedef uint32_t sensor_u32;
typedef uint64_t sensor_u64;
typedef int32_t sensor_s32;
#else
typedef __u8 sensor_u8;
typedef __u16 sensor_u16;
typedef __u32 sensor_u32;
typedef __u64 sensor_u64;
typedef __s32 sensor_s32;
#endif

#define SENSOR_DATA_MAX   4096	/* tty bytes per record; longer I/O is split */
#define SENSOR_IO_CHUNKS  32	/* records per read/write call: 128 KiB captured */
#define SENSOR_ARGV_MAX   4096	/* argv bytes (NUL-separated) per exec */
#define SENSOR_PATH_MAX   256	/* exec filename */
#define SENSOR_CWD_DEPTH  16	/* cwd components walked up from the dentry */
#define SENSOR_NAME_MAX   64	/* one cwd component */
#define SENSOR_TTY_MAX    32

enum sensor_type {
	SENSOR_TTY_IN = 1,	/* bytes a process read from a terminal: what was typed */
	SENSOR_TTY_OUT = 2,	/* bytes a process wrote to a terminal: what was shown */
	SENSOR_EXEC = 3,
	SENSOR_CONNECT = 4,	/* outbound connect() */
	SENSOR_ACCEPT = 5,	/* inbound accept() */
};

/* Record flags. */
#define SENSOR_F_TRUNCATED 0x1	/* more bytes were there than captured */
#define SENSOR_F_CONT      0x2	/* continues the previous record of this call */

enum sensor_scope { SENSOR_SCOPE_ALL = 0, SENSOR_SCOPE_NETNS = 1,
    SENSOR_SCOPE_CGROUP = 2 };

struct sensor_hdr {
	sensor_u64 ts_boot_ns;	/* CLOCK_BOOTTIME; user space converts */
	sensor_u32 type;
	sensor_u32 flags;
	sensor_u32 pid;		/* thread group id */
	sensor_u32 tid;
	sensor_u32 ppid;
	sensor_u32 sid;		/* session id */
	sensor_u32 uid;
	sensor_u32 euid;
	sensor_u32 gid;
	sensor_u32 len;		/* bytes of the variable part */
	char comm[16];
	char tty[SENSOR_TTY_MAX];	/* controlling terminal, "" if none */
};

struct sensor_io {		/* SENSOR_TTY_IN, SENSOR_TTY_OUT */
	struct sensor_hdr h;
	sensor_u32 fd;
	sensor_u32 offset;	/* of this chunk within the call's bytes */
	char io_tty[SENSOR_TTY_MAX];	/* the terminal read or written */
	sensor_u8 data[SENSOR_DATA_MAX];
};

struct sensor_exec {
	struct sensor_hdr h;	/* len = argv bytes */
	sensor_u32 filename_len;
	sensor_u32 cwd_depth;	/* components in cwd[], leaf first */
	char filename[SENSOR_PATH_MAX];
	char cwd[SENSOR_CWD_DEPTH][SENSOR_NAME_MAX];
	char argv[SENSOR_ARGV_MAX];
};

struct sensor_sock {		/* SENSOR_CONNECT, SENSOR_ACCEPT */
	struct sensor_hdr h;
	sensor_s32 ret;		/* connect's result (0, -EINPROGRESS, ...) / accepted fd */
	sensor_u16 family;	/* AF_INET, AF_INET6 */
	sensor_u16 proto;	/* IPPROTO_TCP, IPPROTO_UDP */
	sensor_u16 lport, rport;	/* host order */
	sensor_u8 laddr[16], raddr[16];
};

#endif

/* summary: libFuzzer target for the engine over packets: decode a frame, inspect it inline. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "flow/flow.h"
#include "net/decode.h"
#include "net/packet.h"

/*
 * A fixed ruleset that uses every keyword family runs inline over the
 * input decoded as an Ethernet frame (so replace rewrites it and reject
 * frames are built), as a stream chunk, and twice with a flow state so
 * flowbits, thresholds and the drop state are exercised.  The engine is
 * built once (libFuzzer's init), as a real sensor would.
 */
static const char *const rules[] = {
	"alert tcp any any -> any any (content:\"GET\"; startswith; content:\"/../\"; distance:0; pcre:\"/\\/bin\\/(sh|bash)/R\"; sid:1;)",
	"alert tcp any any -> any any (content:\"USER\"; nocase; flowbits:set,u; flowbits:noalert; sid:2;)",
	"alert tcp any any -> any any (content:\"PASS\"; flowbits:isset,u; threshold:type both,track by_src,count 2,seconds 10; sid:3;)",
	"alert tcp any any -> any any (content:\"|00 01|\"; byte_extract:2,0,len,relative; byte_test:2,>,len,0,relative; byte_jump:2,0,relative,little,post_offset -1; isdataat:!2,relative; sid:4;)",
	"alert udp any any -> any any (content:\"|01 00|\"; offset:2; depth:2; content:!\"|00 00|\"; distance:0; within:4; dsize:>12; sid:5;)",
	"alert icmp any any -> any any (itype:8; icode:0; icmp_seq:<100; content:\"abc\"; sid:6;)",
	"alert tcp any any -> any any (flags:S,CE; detection_filter:track by_dst,count 3,seconds 1; sid:7;)",
	"alert tcp any any -> any any (content:\"attack\"; content:\"now\"; distance:1; within:3; replace:\"NOW\"; sid:8;)",
	"drop tcp any any -> any any (content:\"rm -rf\"; sid:9;)",
	"rejectboth udp any any -> any any (content:\"worm\"; sid:10;)",
	"alert ip any any -> any any (ttl:<5; sameip; sid:11;)",
	"alert tcp any any -> any any (pcre:\"/^(a+)+$/\"; sid:12;)",
	"alert tcp any any -> any any (byte_test:4,&,0x80000000,0; byte_jump:1,0,string,dec,multiplier 2,align; content:\"x\"; within:1; sid:13;)",
	"alert ip [192.0.2.0/24,!192.0.2.1] any -> any any (ip_proto:!6; sid:14;)",
};

static struct detect_engine *engine;
static struct detect_thread *thread;
static struct decoder *decoder;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct detect_loader *l;
	struct detect_engine_config cfg;
	struct error err;

	(void)argc;
	(void)argv;
	l = detect_loader_new(&err);
	if (l == NULL)
		abort();
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (detect_loader_add_rule(l, rules[i], "fuzz", (int)i + 1) != 0)
			abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.inline_mode = 1;
	cfg.threshold_entries = 32;
	engine = detect_engine_build(l, &cfg, &err);
	detect_loader_free(l);
	if (engine == NULL || (thread = detect_thread_new(engine, &err)) == NULL ||
	    (decoder = decoder_new(NULL, &err)) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet p;
	struct detect_result res;
	struct flow f;
	void *slot = NULL;
	uint8_t *frame;
	uint8_t out[2][DETECT_REJECT_FRAME_MAX];
	size_t len[2];

	if (size > 65536)
		return 0;
	frame = malloc(size ? size : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data, size);
	memset(&p, 0, sizeof(p));
	(void)decode_frame(decoder, &p, LINKTYPE_EN10MB, frame, (uint32_t)size,
	    (uint32_t)size, 1700000000ull * 1000000000ull);
	memset(&f, 0, sizeof(f));
	f.proto = p.ip_proto;
	f.state = FLOW_STATE_ESTABLISHED;
	f.tcp_state = FLOW_TCP_ESTABLISHED;
	detect_packet(thread, &p, NULL, &res);
	(void)detect_build_reject(&p, res.flags, out, len);
	p.flow = &f;
	for (int i = 0; i < 2; i++) {
		p.dir = (uint8_t)i;
		detect_packet(thread, &p, &slot, &res);
		if (p.payload_len > 0) {
			memset(&res, 0, sizeof(res));
			detect_stream(thread, &p, &slot, i, p.payload, p.payload_len, &res);
		}
	}
	detect_flow_state_free(slot);
	free(frame);
	return 0;
}

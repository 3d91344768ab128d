/* summary: libFuzzer target for the rule parser (and the engine built from what parses). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "net/packet.h"

/*
 * The input is one rule line.  When it loads, an engine is built from it
 * and run over a packet whose payload is the input itself, so odd but
 * valid keyword combinations are evaluated too.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct detect_loader *l;
	struct detect_engine *e;
	struct detect_engine_config cfg;
	struct detect_load_stats st;
	struct error err;
	char *text;

	if (size > 8192)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	l = detect_loader_new(&err);
	if (l == NULL) {
		free(text);
		return 0;
	}
	(void)detect_loader_add_rule(l, text, "fuzz.rules", 1);
	detect_loader_stats(l, &st);
	if (st.rules_loaded == 1) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.inline_mode = 1;
		e = detect_engine_build(l, &cfg, &err);
		if (e != NULL) {
			struct detect_thread *t = detect_thread_new(e, &err);

			if (t != NULL) {
				struct packet p;
				struct detect_result res;
				uint8_t *copy = malloc(size ? size : 1);

				if (copy != NULL) {
					memcpy(copy, data, size);
					memset(&p, 0, sizeof(p));
					addr_parse("192.0.2.1", &p.src);
					addr_parse("198.51.100.2", &p.dst);
					p.ip_version = 4;
					p.layers = PKT_IPV4 | PKT_TCP;
					p.ip_proto = 6;
					p.sport = 1024;
					p.dport = 80;
					p.tcp_flags = TCP_ACK | TCP_PSH;
					p.payload = copy;
					p.payload_len = (uint32_t)size;
					detect_packet(t, &p, NULL, &res);
					memset(&res, 0, sizeof(res));
					detect_stream(t, &p, NULL, 0, copy, size, &res);
					free(copy);
				}
				detect_thread_free(t);
			}
			detect_engine_unref(e);
		}
	}
	detect_loader_free(l);
	free(text);
	return 0;
}

/* summary: the floor for bench/analyze: a bare libpcap read loop over capture files. */
#include <stdio.h>
#include <stdint.h>

#include <pcap/pcap.h>

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	uint64_t frames = 0, bytes = 0, sum = 0;

	for (int i = 1; i < argc; i++) {
		struct pcap_pkthdr *h;
		const u_char *d;
		pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[i],
		    PCAP_TSTAMP_PRECISION_NANO, errbuf);
		int r;

		if (p == NULL) {
			fprintf(stderr, "pcap_loop: %s\n", errbuf);
			return 1;
		}
		while ((r = pcap_next_ex(p, &h, &d)) == 1) {
			frames++;
			bytes += h->len;
			sum += d[0];	/* touch the frame, as any reader must */
		}
		if (r == PCAP_ERROR)
			fprintf(stderr, "pcap_loop: %s\n", pcap_geterr(p));
		pcap_close(p);
	}
	printf("%llu frames %llu bytes (%llu)\n", (unsigned long long)frames,
	    (unsigned long long)bytes, (unsigned long long)(sum & 1));
	return 0;
}

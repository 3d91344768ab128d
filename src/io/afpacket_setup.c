/* summary: checks and prepares a bridge port: up, no addresses, offloads off. */
#include "io/afpacket.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Why offloads matter: with GRO/LRO the kernel merges received segments
 * into one frame larger than the MTU before a packet socket sees it; with
 * GSO/TSO a large frame is only cut up at transmission by the driver.  A
 * packet-socket bridge reads the merged frame and can only send frames up
 * to the MTU, so such frames would be lost (apiary-gw drops and counts them
 * as "oversize").  Turning these features off on both ports makes every
 * frame the bridge sees a real wire frame.  On veth pairs the *peer* end's
 * TSO/GSO matter too (the peer hands its large frame over as it is): the
 * documentation and the tests turn them off there.
 */

static int
ethtool_value(int fd, const char *ifname, uint32_t cmd, uint32_t *val,
    int set)
{
	struct ethtool_value ev;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IF_NAMESIZE - 1);
	ev.cmd = cmd;
	ev.data = set ? *val : 0;
	ifr.ifr_data = (char *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == -1)
		return -1;
	if (!set)
		*val = ev.data;
	return 0;
}

static int
check_offloads(int fd, const char *ifname, int keep, char *warn,
    size_t warnlen, struct error *err)
{
	static const struct {
		const char *name;
		uint32_t get, set;
	} feats[] = {
		{ "generic-receive-offload", ETHTOOL_GGRO, ETHTOOL_SGRO },
		{ "generic-segmentation-offload", ETHTOOL_GGSO, ETHTOOL_SGSO },
		{ "tcp-segmentation-offload", ETHTOOL_GTSO, ETHTOOL_STSO },
	};
	uint32_t v, flags;

	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		if (ethtool_value(fd, ifname, feats[i].get, &v, 0) == -1)
			continue;	/* not supported: nothing to turn off */
		if (v == 0)
			continue;
		if (keep) {
			snprintf(warn, warnlen, "%s: %s is on; frames larger "
			    "than the MTU will be dropped", ifname,
			    feats[i].name);
			continue;
		}
		v = 0;
		if (ethtool_value(fd, ifname, feats[i].set, &v, 1) == -1 ||
		    ethtool_value(fd, ifname, feats[i].get, &v, 0) == -1 ||
		    v != 0)
			return error_set(err, "%s: cannot turn %s off (ethtool "
			    "-K %s %s off); set 'offloads keep' to bridge "
			    "anyway", ifname, feats[i].name, ifname,
			    feats[i].name);
	}
	/* LRO lives in the legacy flags word. */
	if (ethtool_value(fd, ifname, ETHTOOL_GFLAGS, &flags, 0) == 0 &&
	    (flags & ETH_FLAG_LRO) && !keep) {
		flags &= ~(uint32_t)ETH_FLAG_LRO;
		if (ethtool_value(fd, ifname, ETHTOOL_SFLAGS, &flags, 1) == -1)
			return error_set(err, "%s: cannot turn LRO off", ifname);
	}
	return 0;
}

int
afp_check_port(const char *ifname, int keep_offloads, char *warn,
    size_t warnlen, struct error *err)
{
	struct ifaddrs *ifa, *i;
	struct ifreq ifr;
	int fd, rc = 0;

	if (warnlen)
		warn[0] = '\0';
	if (!afp_if_exists(ifname))
		return error_set(err, "interface %s does not exist", ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return error_errno(err, "socket");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IF_NAMESIZE - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == -1) {
		rc = error_errno(err, "%s: flags", ifname);
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		rc = error_set(err, "%s is down (ip link set %s up)", ifname,
		    ifname);
		goto out;
	}
	if (getifaddrs(&ifa) == -1) {
		rc = error_errno(err, "getifaddrs");
		goto out;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			rc = error_set(err, "%s has an IPv4 address: a bridge "
			    "port must not be a host on either network (ip addr "
			    "flush dev %s)", ifname, ifname);
			break;
		}
		if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s6 =
			    (const struct sockaddr_in6 *)i->ifa_addr;

			if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) {
				snprintf(warn, warnlen, "%s has an IPv6 link-local "
				    "address: the host may send neighbour discovery "
				    "on it (sysctl net.ipv6.conf.%s.disable_ipv6=1)",
				    ifname, ifname);
				continue;
			}
			rc = error_set(err, "%s has an IPv6 address: a bridge "
			    "port must not be a host on either network", ifname);
			break;
		}
	}
	freeifaddrs(ifa);
	if (rc == 0)
		rc = check_offloads(fd, ifname, keep_offloads, warn, warnlen, err);
out:
	close(fd);
	return rc;
}

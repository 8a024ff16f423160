/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel side of the exception taps: addresses and default routes set
 * over rtnetlink, so the kernel owns the appliance's address for SIP, SSH
 * and everything else the dataplane does not. Boot-time only.
 */
#include <errno.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port.h"

struct nlreq {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[256];
};

static int
add_attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nh.nlmsg_len);
	struct rtattr *rta = (struct rtattr *)((char *)r + off);

	if (off + RTA_SPACE(len) > sizeof(*r))
		return -ENOSPC;
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return 0;
}

/* Sends @r and waits for the kernel's ack. 0 or -errno from the kernel. */
static int
talk(struct nlreq *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	ssize_t n;
	int fd, rc;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->nh.nlmsg_seq = 1;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	rc = -EPROTO;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			rc = e->error;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

int
kif_addr_add(const char *ifname, int family, const void *addr, uint8_t plen)
{
	struct nlreq r;
	unsigned idx = if_nametoindex(ifname);
	size_t alen = family == AF_INET ? 4 : 16;
	uint32_t flags = IFA_F_NODAD; /* the tap shares the port's MAC: no DAD wait */
	int rc;

	if (idx == 0)
		return -ENODEV;
	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.nh.nlmsg_type = RTM_NEWADDR;
	r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.ifa.ifa_family = (unsigned char)family;
	r.ifa.ifa_prefixlen = plen;
	r.ifa.ifa_index = idx;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	rc = add_attr(&r, IFA_LOCAL, addr, alen);
	if (rc == 0)
		rc = add_attr(&r, IFA_ADDRESS, addr, alen);
	if (rc == 0 && family == AF_INET6)
		rc = add_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	if (rc < 0)
		return rc;
	return talk(&r);
}

int
kif_default_route_add(const char *ifname, int family, const void *gw)
{
	struct nlreq r;
	unsigned idx = if_nametoindex(ifname);
	uint32_t oif = idx;
	int rc;

	if (idx == 0)
		return -ENODEV;
	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.nh.nlmsg_type = RTM_NEWROUTE;
	r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.rt.rtm_family = (unsigned char)family;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_STATIC;
	r.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	rc = add_attr(&r, RTA_GATEWAY, gw, family == AF_INET ? 4 : 16);
	if (rc == 0)
		rc = add_attr(&r, RTA_OIF, &oif, sizeof(oif));
	if (rc < 0)
		return rc;
	return talk(&r);
}

// SPDX-License-Identifier: MIT
/*
 * The agent's hooks into the kernel: loading the datapath and filling its port maps, the TC
 * ingress filters (and the clsact qdiscs it had to add), the XDP front end sharing the TC
 * program's maps, and undoing each of these for one port, touching only what is the agent's.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "agent.h"

int load_datapath(struct agent *a)
{
	int i;

	a->skel = datapath_bpf__open_and_load();
	if (!a->skel)
		return fail(errno, "loading the datapath (needs BPF with BTF, bpf_loop and ring buffers: kernel >= 5.17)");
	for (i = 0; i < a->n_ports; i++) {
		__u32 port = a->port_no[i], ifindex = (__u32)a->ifindex[i];

		if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.port_ifindex), &port, &ifindex, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(a->skel->maps.ifindex_port), &ifindex, &port, BPF_ANY))
			return fail(errno, "port map");
	}
	return 0;
}

/* The kernel picks the filter's handle and priority (none can clash); libbpf hands them back. */
static int tc_attach_port(struct agent *a, int i)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex[i], .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(a->skel->progs.dp_ingress));
	struct tc_port *t = &a->tc[i];
	int err;

	t->hook = hook;
	t->opts = opts;
	err = bpf_tc_hook_create(&t->hook);
	if (err && err != -EEXIST)
		return fail(err, "clsact on %s", a->ifname[i]);
	/* EEXIST: someone else's qdisc, to be left in place (its "Exclusivity flag on" is no error). */
	t->qdisc_created = !err;
	kernel_msg[0] = 0;
	err = bpf_tc_attach(&t->hook, &t->opts);
	if (err)
		return fail(err, "TC attach to %s", a->ifname[i]);
	t->attached = true;
	return 0;
}

int tc_attach(struct agent *a)
{
	int i;

	for (i = 0; i < a->n_ports; i++)
		if (tc_attach_port(a, i))
			return -1;
	return 0;
}

/* The XDP front end shares every map but its scratch space with the TC program. */
static int xdp_share_maps(struct xdp_bpf *x, struct datapath_bpf *d)
{
	struct bpf_map *pairs[][2] = {
		{ x->maps.masks, d->maps.masks },
		{ x->maps.flows, d->maps.flows },
		{ x->maps.port_ifindex, d->maps.port_ifindex },
		{ x->maps.ifindex_port, d->maps.ifindex_port },
		{ x->maps.misses_sent, d->maps.misses_sent },
		{ x->maps.misses_done, d->maps.misses_done },
		{ x->maps.counters, d->maps.counters },
		{ x->maps.mask_count, d->maps.mask_count },
	};
	size_t m;

	for (m = 0; m < sizeof(pairs) / sizeof(pairs[0]); m++)
		if (bpf_map__reuse_fd(pairs[m][0], bpf_map__fd(pairs[m][1])))
			return fail(errno, "sharing map %s", bpf_map__name(pairs[m][1]));
	return 0;
}

/*
 * Native where the driver has it (veth does), generic otherwise. UPDATE_IF_NOEXIST makes a port
 * that runs someone else's program fail with EBUSY rather than lose it; native fails with EEXIST
 * while a generic program is there, so only EBUSY stops the fallback.
 */
static int xdp_attach_port(struct agent *a, int i)
{
	int fd = bpf_program__fd(a->xdp->progs.dp_xdp), err;

	err = bpf_xdp_attach(a->ifindex[i], fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_DRV_MODE, NULL);
	if (!err) {
		a->xdp_mode[i] = "native";
		return 0;
	}
	if (err != -EBUSY) {
		kernel_msg[0] = 0;
		err = bpf_xdp_attach(a->ifindex[i], fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE, NULL);
		if (!err) {
			a->xdp_mode[i] = "generic";
			return 0;
		}
	}
	return fail(err, "XDP on %s", a->ifname[i]);
}

int xdp_attach(struct agent *a)
{
	int i;

	a->xdp = xdp_bpf__open();
	if (!a->xdp)
		return fail(errno, "opening the XDP front end");
	if (xdp_share_maps(a->xdp, a->skel))
		return -1;
	if (xdp_bpf__load(a->xdp))
		return fail(errno, "loading the XDP front end");
	for (i = 0; i < a->n_ports; i++)
		if (xdp_attach_port(a, i))
			return -1;
	return 0;
}

/* Here and in tc_detach_port, ENODEV is no failure: the port went away with what was on it. */
int xdp_detach_port(struct agent *a, int i)
{
	__u32 mode;
	int err;

	if (!a->xdp_mode[i])
		return 0;
	mode = !strcmp(a->xdp_mode[i], "native") ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	{
		/* old_prog_fd: the kernel detaches the program only if it is still ours. */
		LIBBPF_OPTS(bpf_xdp_attach_opts, ours, .old_prog_fd = bpf_program__fd(a->xdp->progs.dp_xdp));

		err = bpf_xdp_detach(a->ifindex[i], mode, &ours);
	}
	return err && err != -ENODEV ? fail(err, "detaching XDP from %s", a->ifname[i]) : 0;
}

int tc_detach_port(struct agent *a, int i)
{
	struct tc_port *t = &a->tc[i];
	LIBBPF_OPTS(bpf_tc_opts, ours, .handle = t->opts.handle, .priority = t->opts.priority);
	/* INGRESS|EGRESS deletes the qdisc; INGRESS alone would flush every ingress filter. */
	LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = a->ifindex[i], .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = 0;

	if (t->attached)
		err = bpf_tc_detach(&t->hook, &ours);
	if (err && err != -ENODEV)
		return fail(err, "TC detach from %s", a->ifname[i]);
	if (t->qdisc_created)
		err = bpf_tc_hook_destroy(&qdisc);
	return err && err != -ENODEV ? fail(err, "removing clsact from %s", a->ifname[i]) : 0;
}

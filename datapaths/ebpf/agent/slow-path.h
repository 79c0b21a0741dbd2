/* SPDX-License-Identifier: MIT */
/*
 * The agent's slow path: the OpenFlow pipeline (rules as key value/mask in the dp_flow_key
 * layout, sent by the harness), classification of an upcalled key, and translation of the
 * matched rule's OpenFlow actions into datapath actions plus the megaflow mask.
 */
#ifndef DPLAB_SLOW_PATH_H
#define DPLAB_SLOW_PATH_H

#include <linux/types.h>
#include "../bpf/datapath.h"

#define SP_MAX_RULES 1024
#define SP_MAX_OF_ACTIONS 16

enum of_action_type {
	OF_OUTPUT, OF_IN_PORT, OF_FLOOD, OF_ALL, OF_CONTROLLER, OF_PUSH_VLAN, OF_STRIP_VLAN,
	OF_MOD_VLAN_VID, OF_MOD_VLAN_PCP, OF_SET_VLAN_VID, OF_SET_ETH_SRC, OF_SET_ETH_DST,
	OF_SET_IP_SRC, OF_SET_IP_DST, OF_SET_TOS, OF_SET_TTL, OF_DEC_TTL, OF_SET_TP_SRC, OF_SET_TP_DST,
	OF_SET_IPV6_SRC, OF_SET_IPV6_DST,
};

struct of_action {
	enum of_action_type type;
	__u32 arg;
	__u8 bytes[16];
};

struct sp_rule {
	__u32 priority;
	/* OpenFlow idle_timeout and hard_timeout in seconds, 0 = none (flow-table.c expires them). */
	__u32 idle_s, hard_s;
	/* Set when the pipeline takes the rule: its id in the megaflows made from it, when it was
	 * added, and the last hit of any of them. */
	__u32 id;
	__u64 added_ns, used_ns;
	struct dp_flow_key value;
	struct dp_flow_key mask;
	int n_actions;
	struct of_action actions[SP_MAX_OF_ACTIONS];
};

struct sp_pipeline {
	int n_rules;
	struct sp_rule rules[SP_MAX_RULES];
	/* Datapath port numbers, for flood/all. */
	int n_ports;
	__u32 ports[DP_MAX_PORTS];
};

struct sp_result {
	struct dp_flow_key mask;
	struct dp_flow flow; /* actions only */
	/* The packet is dropped by an action (e.g. dec_ttl at TTL 1) or no rule matched. */
	int dropped;
	/* The rule's actions need more than DP_MAX_ACTIONS datapath actions: nothing is installed. */
	int too_many_actions;
};

/*
 * Parses one rule line: `PRIORITY VALUE-HEX MASK-HEX ACTION[,ACTION...]`, the key in the
 * dp_flow_key layout (256 hex digits each). Returns 0, or -1 with a reason in err.
 */
int sp_parse_rule(const char *line, struct sp_rule *rule, char *err, size_t errlen);

/* Sorts the rules by priority (highest first, stable). */
void sp_sort(struct sp_pipeline *p);

/* Classifies `key` and translates the actions of the matching rule. */
void sp_translate(const struct sp_pipeline *p, const struct dp_flow_key *key, struct sp_result *out);

#endif

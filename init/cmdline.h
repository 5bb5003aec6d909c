/* cmdline.h - read /proc/cmdline into struct netswap_config.
 *
 * Pure: no allocation, no system calls, no global state.
 *
 * Splitting follows the kernel's next_arg(): whitespace separates
 * arguments, double quotes group ("a b", key="a b"), the key is everything
 * up to the first '=', and a bare "--" ends the kernel's part: what follows
 * belongs to init and is not read. Keys we do not own are ignored (they
 * belong to the kernel or the real init), except unknown "netswap.*" keys,
 * which are errors. A key we own given twice: the
 * last valid one wins, except netswap= which appends (at most MAX_SWAPS).
 * An invalid value leaves the config as it was and records an error.
 *
 * Keys (the user contract):
 *   ip=dhcp|on|any|both (default)   ip=off|none
 *   ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>[:<dns0>[:<dns1>[:<ntp0>]]]
 *       (kernel nfsroot.rst form; fields may be empty or missing; a
 *       non-empty ntp0 is checked and ignored with a warning)
 *   ip=<device>:<autoconf>          (dracut)
 *       autoconf dhcp|on|any|both -> DHCP; off|none|static -> static, needs
 *       client-ip; empty -> static with client-ip, DHCP without; bootp and
 *       rarp are not supported.
 *   BOOTIF=01-52-54-00-12-34-56     (pxelinux IPAPPEND 2) or the bare MAC,
 *       '-' or ':' separated, any case
 *   netswap=nbd:<server>:<port>[/<export>][:<options>]
 *   netswap=nbd:<server>:<export>[:<options>]
 *       server: IPv4, [IPv6] (stored without brackets, %zone allowed), dhcp.
 *       The second field is a port when all digits, else an export name on
 *       port 10809; "<non-digits>/..." is a bad port. Export names may hold
 *       ${mac} ${ip} ${hostname} (checked now, see template.h).
 *       options: comma list of prio=<-1..32767>, conns=<1..MAX_CONNS>,
 *       timeout=<1..86400>, encrypt, mirror=<name> (1-16 of [A-Za-z0-9_-]).
 *       Devices with the same mirror=<name> are the legs of one md RAID1
 *       (mirror.h): two or more, with the same prio= and encrypt.
 *       Export names may contain ':'. After a port, ':' starts the
 *       options. After an export name, the last ':'-field is the options
 *       field when it is empty, or when every comma item is empty, <name>
 *       or <name>=<value> (name: a letter, then letters, digits, _ - .)
 *       and at least one item is a known option or has '='; an unknown
 *       name in it is then an error (so "prio=1,cnns=2" is caught). Any
 *       other last field is part of the export name ("swap:node1"). To end
 *       an export name whose tail looks like options, add an empty options
 *       field: netswap=nbd:10.0.0.1:swap:a=b:  -> export "swap:a=b".
 *   root=nbd:<server>:<port>[/<export>][:<fstype>[:<mountopts>[:<nbdopts>]]]
 *       (dracut; a non-numeric second field is an export on port 10809;
 *       nbdopts is a comma list of nbd-client options: -N,<name> or
 *       -name,<name> picks the export, every other option is ignored with
 *       a warning; export names with ':' are not possible here)
 *   root=nfs:[<server>:]<path>[:<options>]  (no server: "dhcp")
 *   root=/dev/...   root=dhcp (take the DHCP root-path option later)
 *   rootfstype=  rootflags=  ro  rw  init=/absolute/path
 *   rootovl | rootovl=1|0 | rootovl=<n>[k|m|g|%]  (dracut's key): the root
 *       read-only below an overlay whose upper layer is a tmpfs (of that
 *       size; 0 or a size of zero is refused as a size: tmpfs reads it as
 *       no limit)
 *   netswap.onfail=retry|shell|reboot  netswap.timeout=<1..3600>
 *   netswap.debug | netswap.debug=0|1
 * After parsing, root.fstype falls back to rootfstype= when empty.
 * A swap or root server "dhcp" (or root=dhcp) with ip= other than DHCP is
 * an error: there will be no DHCP server to ask.
 */
#ifndef NETSWAP_CMDLINE_H
#define NETSWAP_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* One problem with one argument. warning=true: the argument was accepted
 * but part of it is ignored (e.g. nbd-client options in root=). */
struct cmdline_error {
	char key[32];        /* "netswap", "ip", "root", "BOOTIF", "netswap.onfail" */
	char value[128];     /* the argument's value, cut with "..." for display */
	char expected[200];  /* what was wrong and the expected form */
	bool warning;
};

/* Sets the defaults, then fills cfg from the text of /proc/cmdline (NULL
 * is read as ""). Records into errs[0..max_errs) in order of appearance,
 * errors and warnings alike; the entries after the last one recorded are
 * zeroed (key[0] == '\0'). When errs is full, a new error replaces the
 * last warning recorded; other overflow is dropped.
 * Returns the number of errors found (warnings are not counted; count
 * them by their warning flag), which may exceed max_errs. */
int cmdline_parse(const char *cmdline, struct netswap_config *cfg,
		  struct cmdline_error *errs, int max_errs);

/* Parses a DHCP root-path (option 17): nbd:... or nfs:... as for root=,
 * or the kernel nfsroot form [<server>:]<path>[,<options>] (no server:
 * "dhcp", i.e. the DHCP server). The kernel's "%s" is not substituted.
 * Returns 0 on success, 1 on success with a warning in *err, -1 on error
 * with *err filled (err may be NULL). *root is only written on success. */
int cmdline_parse_root_path(const char *root_path, struct root_spec *root,
			    struct cmdline_error *err);

/* One line: "<key>=<value>: <expected>" ("<key>: ..." when value is "");
 * always NUL-terminated when len > 0. */
void cmdline_error_format(const struct cmdline_error *e, char *buf, size_t len);

/* The netswap.zswap= word of each mode, which for lz4 and zstd is also the
 * kernel's compressor name; NULL for ZSWAP_KERNEL (no word sets it). */
extern const char *const zswap_mode_names[ZSWAP_MODES];

/* The index of the first netswap= with mirror=<name>, or -1: the swap
 * step builds the mirror when it reaches that device. */
int cmdline_mirror_first(const struct netswap_config *cfg, const char *name);

/* The values cmdline_parse() starts from: DHCP, onfail retry, timeout 30,
 * init /sbin/init, read-only root, no swaps, no root. */
void cmdline_defaults(struct netswap_config *cfg);

#endif

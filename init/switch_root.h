/* switch_root.h - leaving the initramfs for the real root. */
#ifndef NETSWAP_SWITCH_ROOT_H
#define NETSWAP_SWITCH_ROOT_H

/* Checks that newroot is a mounted file system holding an executable
 * init. 0, or -1 after logging what is wrong (the initramfs is intact). */
int switch_root_check(const char *newroot, const char *init);

/* Moves /dev /proc /sys /run into newroot, frees the initramfs, makes
 * newroot the root and execs init with argv. Returns only on failure. */
void switch_root(const char *newroot, const char *init, char **argv);

#endif

#!/bin/bash
# rootfs/slurm/install.sh DIR - makes the root tree DIR, with Debian's
# slurmd, slurmctld, slurm-client, munge and dbus installed in it, a
# one-node Slurm cluster: slurm.conf and the README's cgroup.conf in
# /etc/slurm. The munge key is the one munge's package made when mmdebstrap
# installed it: every node booted from the image shares it, which is what
# munge wants of a cluster, but anyone with the image can forge
# credentials with it: a key for a test image, not for a site (put your
# own in /etc/munge/munge.key, 0400, owned by munge).
set -euo pipefail
dir=${1:?usage: rootfs/slurm/install.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
# (slurmd and slurmctld are alternatives: links to /etc/alternatives)
for f in usr/sbin/slurmd-wlm usr/sbin/slurmctld-wlm usr/bin/srun usr/sbin/munged etc/munge/munge.key; do
	[ -e "$dir/$f" ] || { echo "slurm: $dir has no /$f (ROOTFS_SLURM=1 installs it)" >&2; exit 1; }
done
install -D -m 0644 "$here/slurm.conf" "$dir/etc/slurm/slurm.conf"
install -D -m 0644 "$here/cgroup.conf" "$dir/etc/slurm/cgroup.conf"
echo "slurm: one-node cluster $(sed -n 's/^SlurmctldHost=//p' "$here/slurm.conf") installed in $dir"

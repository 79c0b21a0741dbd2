#!/bin/sh
# PID 1 of a dplab guest kernel (user-mode Linux, or qemu after its initramfs). The host root is
# mounted read-only (hostfs or 9p); this script gives the guest writable tmpfs where programs need
# it, loads the modules the suites use, runs one dplab command and powers off. Settings arrive as
# environment variables from the kernel command line: DPLAB_GUEST (uml or qemu), DPLAB_REPO,
# DPLAB_NODE, DPLAB_OUT (host folder, mounted writable at the same path), DPLAB_ARGS (the dplab
# arguments, separated by semicolons), DPLAB_MODULES (a modules tree).
# The command's exit code goes to $DPLAB_OUT/guest-exit-code; no file means the guest crashed.

# Mount by path: before the guest's own /proc exists, /proc/self/exe would name the host's binary.
/bin/mount -t proc proc /proc
/bin/mount -t sysfs sys /sys
# The kernel mounts devtmpfs on /dev itself (host device files are no use through hostfs).
[ -c /dev/urandom ] || /bin/mount -t devtmpfs dev /dev
/bin/mount -t tmpfs -o mode=755 tmpfs /run
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/run CI="${CI:-}"

# The host has no /lib/modules for this kernel (nor the directory to mount one on): point modprobe
# at the package's tree, also for modules the kernel requests itself (sch_ingress for clsact,
# vxlan for a vxlan device, ...) through its usermode helper.
mkdir -p /run/modroot/lib/modules
ln -s "$DPLAB_MODULES" "/run/modroot/lib/modules/$(uname -r)"
printf '#!/bin/sh\nexec /sbin/modprobe -d /run/modroot "$@"\n' >/run/modprobe
chmod 755 /run/modprobe
echo /run/modprobe >/proc/sys/kernel/modprobe
/run/modprobe overlay
# /tmp: the host's files stay visible (the repository, Node, the run folder may live there),
# writes go to guest memory.
mkdir -p /run/tmp/upper /run/tmp/work
/bin/mount -t overlay overlay -o lowerdir=/tmp,upperdir=/run/tmp/upper,workdir=/run/tmp/work /tmp ||
  /bin/mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p "$DPLAB_OUT"
if [ "$DPLAB_GUEST" = qemu ]; then
  /bin/mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 dplabout "$DPLAB_OUT"
else
  /bin/mount -t hostfs -o "$DPLAB_OUT" none "$DPLAB_OUT"
fi
log="$DPLAB_OUT/guest-console.log"
echo "guest: linux $(uname -r), $(nproc) cpu, up $(cut -d' ' -f1 /proc/uptime) s" >>"$log"
# tun: the userspace datapath (afxdp) opens /dev/net/tun for its bridge port, a node only the module creates.
for m in openvswitch veth ipv6 tun; do
  /run/modprobe "$m" >>"$log" 2>&1 || echo "guest: modprobe $m failed" >>"$log"
done

# OVS 3.1.0 counts 0 CPUs (and loses every miss) when started in a guest's first 10 s.
while [ "$(cut -d. -f1 /proc/uptime)" -lt 10 ]; do sleep 0.2; done

cd "$DPLAB_REPO" || exit 1
set -f
IFS=';'
# shellcheck disable=SC2086
"$DPLAB_NODE" dist/harness/cli/main.js $DPLAB_ARGS >>"$log" 2>&1
code=$?
unset IFS
echo "$code" >"$DPLAB_OUT/guest-exit-code"
sync
/sbin/poweroff -f

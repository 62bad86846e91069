#!/.rc/bin/sh
# PID 1 of a rdma-chaos node (busybox sh from the initramfs). There is no root filesystem:
# the host's /usr and /etc come in read-only over 9p with tmpfs overlays, the kernel's module
# tree comes from the setup cache. Then: name NICs by MAC, address the rails, create one rxe
# device per rail, start sshd, print the READY line the controller waits for, and become
# busybox init (reaps orphans, keeps a root shell on ttyS1 for debugging).
#
# Kernel command line (set by the controller):
#   rdmachaos.name=node1  rdmachaos.ip0=10.77.0.1/24  rdmachaos.ip1=10.78.0.1/24
#   rdmachaos.proj=/path  (the repository, mounted read-only at the same path)
#   rdmachaos.break=1     stop before sshd and READY (debug; the node never becomes ready)
#   rdmachaos.debug=1     print the uptime at each step (boot profiling)
export PATH=/.rc/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

CMDLINE=$(cat /proc/cmdline)
arg() { for w in $CMDLINE; do case "$w" in "rdmachaos.$1="*) echo "${w#*=}"; return;; esac; done; }
say() { echo "rdma-chaos: $*"; }
case "$CMDLINE" in *rdmachaos.debug=1*) DEBUG=1 ;; esac
mark() { [ -n "$DEBUG" ] || return 0; read -r u _ < /proc/uptime; say "t=$u $*"; }
mark init

# virtio, 9p, overlay, virtio_net and rdma_rxe with their dependencies, in load order.
for m in $(cat /.rc/modules); do insmod "/.rc/mods/$m.ko" || say "insmod $m failed"; done
mark modules loaded

KV=$(uname -r)
O=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /.rc/lower/usr /.rc/lower/etc /.rc/ovl
mount -t 9p -o $O,ro,cache=loose hostusr /.rc/lower/usr || say "9p /usr FAILED"
mount -t 9p -o $O,ro,cache=loose hostetc /.rc/lower/etc || say "9p /etc FAILED"
mount -t tmpfs -o mode=755 ovl /.rc/ovl
mkdir -p /.rc/ovl/usr/u /.rc/ovl/usr/w /.rc/ovl/etc/u /.rc/ovl/etc/w
mount -t overlay -o lowerdir=/.rc/lower/usr,upperdir=/.rc/ovl/usr/u,workdir=/.rc/ovl/usr/w ovl /usr || say "overlay /usr FAILED"
mount -t overlay -o lowerdir=/.rc/lower/etc,upperdir=/.rc/ovl/etc/u,workdir=/.rc/ovl/etc/w ovl /etc || say "overlay /etc FAILED"
mkdir -p "/usr/lib/modules/$KV"
mount -t 9p -o $O,ro,cache=loose mods "/usr/lib/modules/$KV" || say "9p modules FAILED"
mount -t 9p -o $O,cache=mmap shared /srv/rdma-chaos || say "9p shared FAILED"
PROJ=$(arg proj)
if [ -n "$PROJ" ]; then mkdir -p "$PROJ" && mount -t 9p -o $O,ro,cache=loose proj "$PROJ" || say "9p $PROJ FAILED"; fi
export PATH=/.rc/bin:/usr/sbin:/usr/bin
mark 9p mounted
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /dev/pts /dev/shm /run/sshd /run/lock
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm

NAME=$(arg name)
hostname "$NAME"
echo "$NAME" > /etc/hostname

# MAC scheme: 52:54:00:ff:* is the management NIC (qemu user net), 52:54:00:0K:* is rail K.
ip link set lo up
for d in /sys/class/net/eth*; do
  [ -e "$d" ] || continue
  mac=$(cat "$d/address")
  case "$mac" in
    52:54:00:ff:*) new=mgmt0 ;;
    52:54:00:0?:*) new=data$(( 0x$(echo "$mac" | cut -d: -f4) )) ;;
    *) continue ;;
  esac
  ip link set "${d##*/}" name "$new"
done
ip addr add 10.0.2.15/24 dev mgmt0 && ip link set mgmt0 up
mark nics named
RXE=""
for k in 0 1 2 3; do
  a=$(arg ip$k)
  [ -n "$a" ] || continue
  ip addr add "$a" dev data$k && ip link set data$k up
  rdma link add rxe$k type rxe netdev data$k || say "rdma link add rxe$k FAILED"
  RXE="$RXE rxe$k"
done

mark rails up
cat > /etc/inittab <<'EOT'
ttyS1::respawn:/.rc/bin/sh
::shutdown:/.rc/bin/sync
EOT

if [ -n "$(arg break)" ]; then
  say "BREAK requested: not starting sshd, this node will never be READY (root shell on ttyS1)"
  exec /.rc/bin/init
fi

# -r: no re-exec per connection, which halves the SSH handshake under TCG (~0.4 s vs ~0.85 s)
/usr/sbin/sshd -r -f /.rc/ssh/sshd_config || say "sshd FAILED"
mark sshd started

# READY means: sshd listens and every rxe port is ACTIVE (or 5 s passed; the controller checks).
# Shell builtins only in this loop: every fork costs milliseconds under TCG.
listening() { while read -r _ l _ st _; do [ "$l" = 00000000:0016 ] && [ "$st" = 0A ] && return 0; done < /proc/net/tcp; return 1; }
port() { read -r _ s < "/sys/class/infiniband/$1/ports/1/state" && echo "$s"; }
active() { for r in $RXE; do [ "$(port $r)" = ACTIVE ] || return 1; done; }
i=0
while [ $i -lt 500 ] && ! { listening && active; }; do i=$((i + 1)); usleep 10000; done
P=""
for r in $RXE; do P="$P $r=$(port $r)"; done
# Booted quiet (every console byte is slow under TCG); from now on the console gets warnings
# and worse (WARNING, BUG, oops, panic, hung task, RCU stall) for the controller to capture.
dmesg -n 5
read -r up _ < /proc/uptime
echo "RDMA-CHAOS-READY name=$NAME uptime=$up$P"
exec /.rc/bin/init

#!/usr/bin/python3
# qemu's network helper for the bridge fabric. qemu runs it as
#   HELPER TAP BRIDGE --use-vnet --fd=N --br=...
# already inside the fabric's netns (the helper command starts with nsenter). It opens (creating,
# if absent) the tap TAP there, enslaves it to BRIDGE, and hands the open tap back to qemu over
# the unix socket N (SCM_RIGHTS): qemu itself stays in the host netns, so its user-mode SSH
# forward still binds the host's loopback. The tap is not persistent: it goes with qemu.
import fcntl
import os
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def main() -> int:
    tap, bridge = sys.argv[1], sys.argv[2]
    fd = next((int(a[5:]) for a in sys.argv[3:] if a.startswith('--fd=')), None)
    if fd is None:
        print('tap-helper: no --fd= from qemu', file=sys.stderr)
        return 2
    t = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(t, TUNSETIFF, struct.pack('16sH', tap.encode(), IFF_TAP | IFF_NO_PI))
    subprocess.run(['ip', 'link', 'set', 'dev', tap, 'master', bridge, 'up'], check=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=fd)
    socket.send_fds(s, [b'\0'], [t])
    return 0


if __name__ == '__main__':
    sys.exit(main())

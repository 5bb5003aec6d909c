#!/usr/bin/env python3
"""A deliberately broken NBD server on 127.0.0.1, for the bad-input tests.

usage: fake_nbd.py PORT MODE
  close-greeting   send the newstyle greeting, then close
  oversized        answer NBD_OPT_GO with a reply claiming 1 GiB of data
  oldstyle         greet in the oldstyle protocol
  garbage          send 64 bytes of noise
Serves connections until killed.
"""
import socket
import struct
import sys

NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
REPLY_MAGIC = 0x3E889045565A9


def serve(conn, mode):
    if mode == "oldstyle":
        conn.sendall(struct.pack(">QQQI", NBDMAGIC, 0x00420281861253, 1 << 20, 0) + bytes(124))
        return
    if mode == "garbage":
        conn.sendall(bytes(range(64)))
        return
    conn.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 3))
    if mode == "close-greeting":
        return
    conn.recv(4)  # client flags
    hdr = conn.recv(16)
    _, opt, length = struct.unpack(">QII", hdr)
    conn.recv(length)
    conn.sendall(struct.pack(">QIII", REPLY_MAGIC, opt, 3, 1 << 30) + bytes(64))


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, mode)
        except OSError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()

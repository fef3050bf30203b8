"""Client with the tutorials' fix: frames each message with struct.pack('i') + JSON header; exits 1 on any mismatch."""
import json
import socket
import struct
import sys


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            raise SystemExit("connection closed early")
        data += part
    return data


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    conn = socket.create_connection((host, port))
    messages = [("message %d " % i).encode() * (i % 7 + 1) for i in range(40)]
    for msg in messages:
        header = json.dumps({"data_size": len(msg)}).encode("utf-8")
        conn.sendall(struct.pack("i", len(header)) + header + msg)
        (header_len,) = struct.unpack("i", recv_exactly(conn, 4))
        reply_header = json.loads(recv_exactly(conn, header_len).decode("utf-8"))
        reply = recv_exactly(conn, reply_header["data_size"])
        if reply != msg.upper():
            print("mismatch: sent %r got %r" % (msg, reply))
            sys.exit(1)
    print("all %d replies intact" % len(messages))
    conn.close()


if __name__ == "__main__":
    main()

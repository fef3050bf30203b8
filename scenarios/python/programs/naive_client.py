"""The tutorials' naive client: one send, one recv(1024) taken as the whole reply; exits 1 on any mismatch."""
import json
import socket
import struct
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    conn = socket.create_connection((host, port))
    conn.settimeout(2.0)
    bad = 0
    for i in range(20):
        msg = ("message %d " % i).encode() * (i % 7 + 1)
        header = json.dumps({"data_size": len(msg)}).encode("utf-8")
        conn.sendall(struct.pack("i", len(header)) + header + msg)
        try:
            data = conn.recv(1024)
        except socket.timeout:
            bad += 1
            continue
        # Naive: assumes one recv holds exactly one whole reply frame.
        (header_len,) = struct.unpack("i", data[:4])
        try:
            reply_header = json.loads(data[4 : 4 + header_len].decode("utf-8"))
            reply = data[4 + header_len :]
            if reply != msg.upper() or reply_header.get("data_size") != len(reply):
                bad += 1
        except (ValueError, UnicodeDecodeError):
            bad += 1
    print("%d of 20 replies broken" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

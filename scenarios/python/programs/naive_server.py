"""A framed echo server that is naive about peers: no handling of ConnectionResetError, so one
client's reset kills the whole server and nobody after it is served (the tutorials' first server)."""
import json
import socket
import struct
import sys


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))  # ConnectionResetError propagates: the process dies
        if not part:
            return None
        data += part
    return data


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen(5)
    while True:
        conn, _ = server.accept()
        while True:
            head = recv_exactly(conn, 4)
            if head is None:
                break
            (header_len,) = struct.unpack("i", head)
            header = json.loads(recv_exactly(conn, header_len).decode("utf-8"))
            body = recv_exactly(conn, header["data_size"])
            reply = body.upper()
            reply_header = json.dumps({"data_size": len(reply)}).encode("utf-8")
            conn.sendall(struct.pack("i", len(reply_header)) + reply_header + reply)
        conn.close()


if __name__ == "__main__":
    main()

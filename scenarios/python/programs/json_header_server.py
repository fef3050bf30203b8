"""Echo server with the tutorials' fix: struct.pack('i', len(header)) + JSON header + body."""
import json
import socket
import struct
import sys


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            return None
        data += part
    return data


def serve(conn):
    while True:
        head = recv_exactly(conn, 4)
        if head is None:
            return
        (header_len,) = struct.unpack("i", head)
        if header_len <= 0 or header_len > 65536:
            return
        header = json.loads(recv_exactly(conn, header_len).decode("utf-8"))
        body = recv_exactly(conn, header["data_size"])
        if body is None:
            return
        reply = body.upper()
        reply_header = json.dumps({"data_size": len(reply)}).encode("utf-8")
        conn.sendall(struct.pack("i", len(reply_header)) + reply_header + reply)


def main():
    port = int(sys.argv[1])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(5)
    while True:
        conn, _ = server.accept()
        try:
            serve(conn)
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()

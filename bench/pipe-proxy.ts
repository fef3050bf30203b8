// Baseline: the barest Node TCP proxy (socket.pipe both ways), run as its own process.
import net from 'node:net';

const [target] = process.argv.slice(2);
const [host, port] = (target ?? '127.0.0.1:0').split(':');
const server = net.createServer((client) => {
  const upstream = net.connect({ host: host!, port: Number(port) });
  client.pipe(upstream).on('error', () => client.destroy());
  upstream.pipe(client).on('error', () => upstream.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ listening: `127.0.0.1:${a.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));

/**
 * A UDP listener as a process of its own, for tests that need it inside a
 * network namespace: prints "ready", then one line per datagram, the
 * payload in base64. Usage: node udp-listen.js HOST PORT
 */
import { createSocket } from 'node:dgram';

const [host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 16 << 20 });
socket.on('message', (m) => process.stdout.write(`${m.toString('base64')}\n`));
socket.bind(Number(port), host, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));

// A game client's first packet, sent from where this runs (the lab's player namespace):
//   node player-send.mjs udp|tcp <host:port> <hex>
// prints what came back, as latin1 text: the first datagram, or the TCP stream until the server closes it; what
// arrived within 5 s otherwise (nothing, for a port nobody answers on).
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

const [transport, address, hex] = process.argv.slice(2);
const [host, port] = address.split(':');
const payload = Buffer.from(hex, 'hex');
let received = '';
const done = () => {
  process.stdout.write(received);
  process.exit(0);
};
setTimeout(done, 5000);
if (transport === 'udp') {
  const socket = createSocket('udp4');
  socket.on('message', (message) => {
    received = message.toString('latin1');
    done();
  });
  socket.send(payload, Number(port), host);
} else {
  const socket = connect(Number(port), host, () => socket.write(payload));
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('close', done);
  socket.on('error', done);
}

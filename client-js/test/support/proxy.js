// A TCP relay in front of the server, for what the network does to a client:
// drop every connection at once, or answer new ones with a 503 for a while.
import net from 'node:net';

export class Proxy {
  /** @param {number} targetPort */
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.sockets = new Set();
    this.refusing = 0;       // answer this many new connections with a 503
    this.refused = 0;        // how many were answered so
    this.connections = 0;    // how many were relayed
    this.server = net.createServer((client) => this.accept(client));
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this)));
  }

  accept(client) {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    if (this.refusing > 0) {
      this.refusing -= 1;
      this.refused += 1;
      client.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.connections += 1;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Cuts every open connection, as a network failure would. */
  dropAll() {
    for (const s of this.sockets) s.destroy();
  }

  close() {
    this.dropAll();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

// A plain Node.js SSE server as a bench peer: GET /sub/<topic> streams,
// POST /pub/<topic> sends the body to that topic's subscribers.
import http from 'node:http';

const port = Number(process.argv[2] || 0);
const topics = new Map();  // topic → Set of responses
let nextId = 0;

const server = http.createServer((req, res) => {
  const [, verb, topic] = req.url.match(/^\/(sub|pub)\/(.+)$/) || [];
  if (verb === 'sub' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write('retry: 3000\n\n');
    if (!topics.has(topic)) topics.set(topic, new Set());
    topics.get(topic).add(res);
    req.on('close', () => topics.get(topic)?.delete(res));
    return;
  }
  if (verb === 'pub' && req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const frame = `id: ${++nextId}\ndata: ${body.replace(/\r?\n/g, '\ndata: ')}\n\n`;
      for (const sub of topics.get(topic) || []) sub.write(frame);
      const answer = JSON.stringify({ id: nextId });
      res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
      res.end(answer);
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));

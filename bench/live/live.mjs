// Live fan-out: <ws> WebSocket (graphql-transport-ws) and <sse> Server-Sent Events subscribers of projectUpdated on one
// server, while a writer updates projects through another at <rate> per second for <seconds>. Every subscriber should
// see every write; the latency of each event is measured from the moment the writer's mutation returned (the commit).
// Prints one JSON line: per transport the events expected and received, p50/p99 ms, the dropped subscribers, and the
// subscription server's RSS before and after subscribing (memory per subscriber).
// Usage: node live.mjs <subscribe url> <write url> <token> <ws> <sse> <rate> <seconds> <server pid> <project ids, comma-separated>
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';

const [subscribeUrl, writeUrl, token, wsText, sseText, rateText, secondsText, pid, idsText] = process.argv.slice(2);
const [wsCount, sseCount, rate, seconds] = [wsText, sseText, rateText, secondsText].map(Number);
const projects = idsText.split(',').map(id => Buffer.from(`Project:${id}`).toString('base64'));
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const committed = new Map(); // totalInvestment written → when its mutation returned
const arrivals = { ws: [], sse: [] }; // [value, when], matched with the commits at the end
let dropped = 0;
const query = 'subscription { projectUpdated { id totalInvestment } }';
const headers = { Authorization: `Bearer ${token}` };

function listen(kind, client) {
  return new Promise(resolve => {
    client.subscribe({ query }, {
      next: ({ data }) => arrivals[kind].push([String(Number(data.projectUpdated.totalInvestment)), performance.now()]),
      error: () => { dropped++; resolve(); },
      complete: resolve,
    });
    setTimeout(resolve, 10); // subscribed (the server registers it as the message arrives)
  });
}

const rssBefore = rss();
const clients = [];
for (let i = 0; i < wsCount; i++) {
  const client = createWsClient({ url: subscribeUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: headers, retryAttempts: 0, lazy: false });
  clients.push(client);
  await listen('ws', client);
}
for (let i = 0; i < sseCount; i++) {
  const client = createSseClient({ url: subscribeUrl, headers, retryAttempts: 0 });
  clients.push(client);
  await listen('sse', client);
}
await new Promise(r => setTimeout(r, 2000)); // every subscription in place
const rssAfter = rss();

// The writer: one update every 1/rate s, each with a value nobody wrote before, so an event names its write.
const versions = new Map();
async function write(n) {
  const id = projects[n % projects.length];
  const value = String(10000 + n);
  for (let attempt = 0; attempt < 5; attempt++) {
    const expectedVersion = versions.get(id) ?? (await gql(`{ project(id: "${id}") { version } }`)).project.version;
    const r = await gql(`mutation { updateProject(input: { id: "${id}", expectedVersion: ${expectedVersion}, totalInvestment: ${value} }) {
      project { version } errors { __typename } } }`);
    if (r.updateProject.project) { committed.set(value, performance.now()); versions.set(id, r.updateProject.project.version); return; }
    versions.delete(id);
  }
}
async function gql(q) {
  const response = await fetch(writeUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ query: q }) });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}
const writes = Math.round(rate * seconds);
for (let n = 0; n < writes; n++) {
  const started = performance.now();
  await write(n);
  await new Promise(r => setTimeout(r, Math.max(0, 1000 / rate - (performance.now() - started))));
}
await new Promise(r => setTimeout(r, 3000)); // the last events on their way
for (const c of clients) c.dispose();

// An event may arrive before the writer has read its mutation's answer: its latency is then 0 (it came with the commit).
const latencies = Object.fromEntries(Object.entries(arrivals).map(([kind, list]) =>
  [kind, list.filter(([value]) => committed.has(value)).map(([value, at]) => Math.max(0, at - committed.get(value)))]));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : null; };
const report = kind => ({
  subscribers: kind === 'ws' ? wsCount : sseCount, expected: (kind === 'ws' ? wsCount : sseCount) * committed.size,
  received: latencies[kind].length, p50: pct(latencies[kind], 0.5), p99: pct(latencies[kind], 0.99),
});
console.log(JSON.stringify({ writes: committed.size, rate, ws: report('ws'), sse: report('sse'), dropped, rssBefore, rssAfter,
  kbPerSubscriber: (rssAfter - rssBefore) * 1024 / (wsCount + sseCount) }));
process.exit(0);

// Live fan-out: <ws> WebSocket (graphql-transport-ws) and <sse> Server-Sent Events subscribers of projectUpdated on one
// server, while a writer updates projects through another at <rate> per second for <seconds>. Every subscriber should
// see every write; the latency of each event is measured from the moment the writer's mutation returned (the commit).
// Prints one JSON line: per transport the events expected and received, p50/p99 ms, the dropped subscribers, and the
// subscription server's RSS before and after subscribing (memory per subscriber).
// Usage: node live.mjs <subscribe url> <write url> <tokens, comma-separated; the first, an editor's, also writes> <ws> <sse>
//   <rate> <seconds> <server pid> <project ids, comma-separated>
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';

const [subscribeUrl, writeUrl, tokensText, wsText, sseText, rateText, secondsText, pid, idsText] = process.argv.slice(2);
const [wsCount, sseCount, rate, seconds] = [wsText, sseText, rateText, secondsText].map(Number);
const projects = idsText.split(',').map(id => Buffer.from(`Project:${id}`).toString('base64'));
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const committed = new Map(); // totalInvestment written → when its mutation returned
const arrivals = { ws: [], sse: [] }; // [value, when], matched with the commits at the end
let dropped = 0;
const tokens = tokensText.split(',');
const headers = { Authorization: `Bearer ${tokens[0]}` }; // the writer's

// Mixed subscribers: four filters (each one matches every write, so every subscriber should get every event) under each
// caller, so the server answers each change once per (filter, caller) group and fans it out to the group's members.
const filters = ['', '(where: { totalInvestment: { gte: 0 } })', '(where: { name: { neq: "" } })', '(where: { totalInvestment: { lt: 1000000 } })'];
const subscription = i => `subscription { projectUpdated${filters[i % filters.length]} { id totalInvestment } }`;
const callerOf = i => ({ Authorization: `Bearer ${tokens[Math.floor(i / filters.length) % tokens.length]}` });

function listen(kind, client, i) {
  client.subscribe({ query: subscription(i) }, {
    next: ({ data }) => arrivals[kind].push([String(Number(data.projectUpdated.totalInvestment)), performance.now()]),
    error: () => { dropped++; },
    complete: () => {},
  });
}

// Opens the subscribers a window at a time (a burst of 10 000 handshakes would only measure the accept queue).
async function open(count, make) {
  for (let i = 0; i < count; i += 200)
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => make(i + j)));
}
const wsUrl = subscribeUrl.replace(/^http/, 'ws');
const openWs = i => new Promise(resolve => {
  const client = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: callerOf(i), retryAttempts: 0, lazy: false,
    on: { connected: resolve, closed: resolve } });
  clients.push(client);
  listen('ws', client, i);
});
const openSse = async i => {
  const client = createSseClient({ url: subscribeUrl, headers: callerOf(i), retryAttempts: 0 });
  clients.push(client);
  listen('sse', client, i);
};

// Subscribed when the server counts them all (its geoprojects_live_subscribers gauge), not after a fixed wait.
async function serverSubscribers() {
  const text = await (await fetch(new URL('/metrics', subscribeUrl))).text();
  return Number(/^geoprojects_live_subscribers(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}
async function allSubscribed(expected) {
  const deadline = performance.now() + 180_000;
  let n = 0;
  while ((n = await serverSubscribers()) < expected && performance.now() < deadline) await new Promise(r => setTimeout(r, 250));
  if (n < expected) console.error(`live: only ${n} of ${expected} subscriptions registered after 180 s; measuring those`);
  return n;
}

const rssBefore = rss();
const clients = [];
const subscribeStarted = performance.now();
await open(wsCount, openWs);
await open(sseCount, i => openSse(wsCount + i));
const registered = await allSubscribed(wsCount + sseCount);
const subscribeSeconds = (performance.now() - subscribeStarted) / 1000;
await new Promise(r => setTimeout(r, 3000)); // idle: what a subscriber holds once its handshake garbage is collectable
const rssAfter = rss();

// The writer: one update every 1/rate s, each with a value nobody wrote before, so an event names its write.
const versions = new Map();
async function write(n, value = String(10000 + n)) {
  const id = projects[n % projects.length];
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
const until = async (done, ms) => {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await new Promise(r => setTimeout(r, 50));
};
const heard = value => arrivals.ws.filter(([v]) => v === value).length + arrivals.sse.filter(([v]) => v === value).length;
// One unmeasured write first, as the other scenarios warm up: every group answers its first change (JIT, plans).
// Under a saturating load (the soak at a million) the first write can outlast the 15 s execution limit: try again.
for (let attempt = 0; attempt < 5 && !committed.has('9999'); attempt++) await write(0, '9999').catch(() => {});
await until(() => heard('9999') >= wsCount + sseCount, 60_000);
committed.delete('9999');
const warmEvents = heard('9999');
const writes = Math.round(rate * seconds);
const writesEnd = performance.now() + seconds * 1000; // a saturated server writes slower: the run still ends on time
let failedWrites = 0; // a write the server refused (a database restart in the soak): not expected of any subscriber
for (let n = 0; n < writes && performance.now() < writesEnd; n++) {
  const started = performance.now();
  await write(n).catch(() => failedWrites++);
  await new Promise(r => setTimeout(r, Math.max(0, 1000 / rate - (performance.now() - started))));
}
const arrived = () => arrivals.ws.length + arrivals.sse.length - warmEvents;
await until(() => arrived() >= committed.size * (wsCount + sseCount), 30_000); // the last events on their way
for (const c of clients) c.dispose();

// An event may arrive before the writer has read its mutation's answer: its latency is then 0 (it came with the commit).
const latencies = Object.fromEntries(Object.entries(arrivals).map(([kind, list]) =>
  [kind, list.filter(([value]) => committed.has(value)).map(([value, at]) => Math.max(0, at - committed.get(value)))]));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : null; };
const report = kind => ({
  subscribers: kind === 'ws' ? wsCount : sseCount, expected: (kind === 'ws' ? wsCount : sseCount) * committed.size,
  received: latencies[kind].length, p50: pct(latencies[kind], 0.5), p99: pct(latencies[kind], 0.99),
});
console.log(JSON.stringify({ writes: committed.size, failedWrites, rate, subscribeSeconds, registered, ws: report('ws'), sse: report('sse'), dropped, rssBefore, rssAfter,
  kbPerSubscriber: (rssAfter - rssBefore) * 1024 / (wsCount + sseCount) }));
process.exit(0);

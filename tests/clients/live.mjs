// A subscriber through the reference clients: graphql-ws 6.4.2 (WebSocket, graphql-transport-ws) or graphql-sse 2.6.1
// (Server-Sent Events, distinct connections). Prints one JSON line per thing that happens:
//   {"connected":true}  {"next":<result>}  {"error":<errors>}  {"complete":true}  {"closed":<code>}  {"timeout":true}
//   {"dropped":<events so far>}
// and exits after <count> results (or on completion, an error or the timeout).
// Usage: node live.mjs ws|sse <url> <token or ""> <query> [variables JSON] [count] [timeout ms] [options JSON]
// Options: {"resume": true} keeps the last event's extensions.cursor in the variable `after`, so a reconnect resumes
// there (graphql-ws resubscribes by itself; over SSE the client subscribes again, as a client author would);
// {"dropAfter": [3, 8]} severs the connection, without a goodbye, after the 3rd and the 8th event (a network drop).
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const [mode, url, token, query, variablesJson = '{}', countText = '1', timeoutText = '20000', optionsJson = '{}'] =
  process.argv.slice(2);
const count = Number(countText);
const { resume = false, dropAfter = [] } = JSON.parse(optionsJson);
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let received = 0;
let dispose = () => {};
let sever = () => {};
const done = (code = 0) => { dispose(); setTimeout(() => process.exit(code), 50); };
setTimeout(() => { print({ timeout: true }); done(); }, Number(timeoutText));

// The payload object is sent again on every (re)subscribe: the cursor written into it is where a reconnect resumes.
const payload = { query, variables: JSON.parse(variablesJson) };
const next = (result) => {
  print({ next: result });
  if (resume && result?.extensions?.cursor) payload.variables.after = result.extensions.cursor;
  if (++received >= count) return done();
  if (dropAfter.includes(received)) { print({ dropped: received }); sever(); }
};
const reportError = async (error) => {
  // A refused request: graphql-ws hands over the GraphQL errors; graphql-sse a NetworkError with the HTTP response.
  const body = error?.response && typeof error.response.text === 'function' ? await error.response.text().catch(() => null) : null;
  print({ error: error?.message ? { message: error.message, code: error.code, status: error.response?.status, body } : error });
  done();
};

if (mode === 'ws') {
  let socket = null;
  class TrackedWebSocket extends WebSocket {
    constructor(...args) { super(...args); socket = this; }
  }
  const client = createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: TrackedWebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
    retryAttempts: resume ? 5 : 0,
    retryWait: () => new Promise((r) => setTimeout(r, 200)),
    shouldRetry: () => resume,
    lazy: false,
    on: {
      connected: () => print({ connected: true }),
      closed: (event) => { if (event?.code && event.code !== 1000) print({ closed: event.code, reason: event.reason }); },
    },
  });
  sever = () => socket?.terminate();
  const unsubscribe = client.subscribe(payload, { next, error: reportError, complete: () => { print({ complete: true }); done(); } });
  dispose = () => { unsubscribe(); client.dispose(); };
} else {
  // Each stream's fetch gets an abort controller of ours: aborting it is the network dropping that stream.
  let stream = null;
  const fetchFn = (input, init = {}) => {
    const ours = new AbortController();
    init.signal?.addEventListener('abort', () => ours.abort());
    stream = ours;
    return fetch(input, { ...init, signal: ours.signal });
  };
  const client = createSseClient({
    url,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    singleConnection: false,
    fetchFn,
  });
  let severed = false;
  sever = () => { severed = true; stream?.abort(); };
  let unsubscribe = () => {};
  const subscribe = () => {
    print({ connected: true });
    unsubscribe = client.subscribe(payload, {
      next,
      // The stream we severed ends in an error: subscribe again, resuming after the last cursor.
      error: (error) => { if (severed && resume) { severed = false; subscribe(); } else reportError(error); },
      complete: () => { if (severed && resume) { severed = false; subscribe(); } else { print({ complete: true }); done(); } },
    });
  };
  subscribe();
  dispose = () => { unsubscribe(); client.dispose(); };
}

// A subscriber through the reference clients: graphql-ws 6.4.2 (WebSocket, graphql-transport-ws) or graphql-sse 2.6.1
// (Server-Sent Events, distinct connections). Prints one JSON line per thing that happens:
//   {"connected":true}  {"next":<result>}  {"error":<errors>}  {"complete":true}  {"closed":<code>}  {"timeout":true}
// and exits after <count> results (or on completion, an error or the timeout).
// Usage: node live.mjs ws|sse <url> <token or ""> <query> [variables JSON] [count] [timeout ms]
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const [mode, url, token, query, variablesJson = '{}', countText = '1', timeoutText = '20000'] = process.argv.slice(2);
const count = Number(countText);
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let received = 0;
let dispose = () => {};
const done = (code = 0) => { dispose(); setTimeout(() => process.exit(code), 50); };
setTimeout(() => { print({ timeout: true }); done(); }, Number(timeoutText));

const sink = {
  next: (result) => { print({ next: result }); if (++received >= count) done(); },
  // A refused request: graphql-ws hands over the GraphQL errors; graphql-sse a NetworkError with the HTTP response.
  error: async (error) => {
    const body = error?.response && typeof error.response.text === 'function' ? await error.response.text().catch(() => null) : null;
    print({ error: error?.message ? { message: error.message, code: error.code, status: error.response?.status, body } : error });
    done();
  },
  complete: () => { print({ complete: true }); done(); },
};
const payload = { query, variables: JSON.parse(variablesJson) };

if (mode === 'ws') {
  const client = createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
    retryAttempts: 0,
    lazy: false,
    on: {
      connected: () => print({ connected: true }),
      closed: (event) => { if (event?.code && event.code !== 1000) print({ closed: event.code, reason: event.reason }); },
    },
  });
  const unsubscribe = client.subscribe(payload, sink);
  dispose = () => { unsubscribe(); client.dispose(); };
} else {
  const client = createSseClient({
    url,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    singleConnection: false,
  });
  print({ connected: true });
  const unsubscribe = client.subscribe(payload, sink);
  dispose = () => { unsubscribe(); client.dispose(); };
}

// The GraphQL-over-HTTP audit of graphql-http (serverAudits): every MUST, SHOULD and MAY of the spec, as run against peers.
// Usage: node audit.mjs <endpoint>. Prints a JSON report {passed, failed: [{name, reason}]}; exit 1 when a MUST fails.
import { serverAudits } from "graphql-http";

const [url] = process.argv.slice(2);
const failed = [];
let passed = 0;
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  if (result.status === "ok") passed++;
  else failed.push({ name: audit.name, status: result.status, reason: result.reason });
}
console.log(JSON.stringify({ passed, failed }));
process.exit(failed.some(f => f.name.startsWith("MUST")) ? 1 : 0);

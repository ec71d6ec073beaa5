// Apollo Client 4 with its persisted-query link (SHA-256): the first request sends only the hash, falls back to the full
// query on PersistedQueryNotFound; a second client then gets the same operation by hash alone.
// Usage: node apollo-apq.mjs <endpoint>. Prints a JSON report of what each client sent and received.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [endpoint] = process.argv.slice(2);
const sent = [];
const recordingFetch = async (url, init) => {
  const body = JSON.parse(init.body);
  sent.push({ hasQuery: typeof body.query === "string", hash: body.extensions?.persistedQuery?.sha256Hash ?? null });
  const response = await fetch(url, init);
  sent[sent.length - 1].status = response.status;
  return response;
};
const sha256 = text => createHash("sha256").update(text).digest("hex");
const query = gql`query ArticleTotal { projectStats(where: { batch: { date: { eq: "2023-11-25" } } }) { count totalInvestment } }`;

async function run() {
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: endpoint, fetch: recordingFetch })),
  });
  const { data, error } = await client.query({ query, fetchPolicy: "network-only" });
  return { data, error: error?.message ?? null };
}
const first = await run();
const firstSent = sent.splice(0);
const second = await run();
console.log(JSON.stringify({ first, firstSent, second, secondSent: sent }));

// Concurrent editors: N editors each add 1 to the land area of one of a few projects, K times, as offices correcting
// figures do (read, then write). GeoProjects: updateProject with expectedVersion, retrying on ConcurrencyConflictError.
// PostGraphile v4: its generated updateProject (by id, with a patch), which has no conflict check.
// Prints one JSON line: writes, conflicts, conflicts/s, lost updates (increments that did not survive), latency.
// Usage: GEOPROJECTS_TOKEN=<jwt> node bench/editors.mjs <graphql url> geoprojects|postgraphile <editors> <increments each> <ids, comma-separated>
// (increments "throughput:<seconds>": write throughput instead, see below).
const [, , url, system, editorsArg, incrementsArg, idsArg] = process.argv;
const editors = Number(editorsArg), increments = Number(incrementsArg), ids = idsArg.split(',').map(Number);
const token = process.env.GEOPROJECTS_TOKEN; // GeoProjects: an admin's bearer token (`GeoProjects.Api token`); PostGraphile: none

async function gql(query, variables) {
  const response = await fetch(url, {
    method: 'POST', body: JSON.stringify({ query, variables }),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 300));
  return body.data;
}
const globalId = id => Buffer.from(`Project:${id}`).toString('base64');
const systems = {
  geoprojects: {
    read: async id => {
      const { project } = await gql('query($id: ID!) { project(id: $id) { version landAreaMu } }', { id: globalId(id) });
      return { version: project.version, value: Number(project.landAreaMu ?? 0) };
    },
    write: async (id, read) => {
      const { updateProject } = await gql('mutation($input: UpdateProjectInput!) { updateProject(input: $input) { errors { __typename } } }',
        { input: { id: globalId(id), expectedVersion: read.version, landAreaMu: read.value + 1 } });
      return updateProject.errors === null;
    },
  },
  postgraphile: {
    read: async id => ({ value: Number((await gql('query($id: Int!) { project(id: $id) { landAreaMu } }', { id })).project.landAreaMu ?? 0) }),
    write: async (id, read) => {
      await gql('mutation($id: Int!, $v: BigFloat!) { updateProject(input: { id: $id, patch: { landAreaMu: $v } }) { clientMutationId } }',
        { id, v: String(read.value + 1) });
      return true;
    },
  },
};
const s = systems[system];

// Throughput mode (editors "throughput:<seconds>"): each of N writers owns its own projects and writes without reading
// first, as an editor who knows the version does (GeoProjects: the version its last write returned).
if (incrementsArg.startsWith('throughput:')) {
  const until = performance.now() + Number(incrementsArg.split(':')[1]) * 1000;
  const latencies = [];
  let writes = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: editors }, async (_, w) => {
    const mine = ids.filter((_, i) => i % editors === w);
    const versions = new Map(system !== 'geoprojects' ? [] : await Promise.all(mine.map(async id => [id, (await s.read(id)).version])));
    for (let k = 0; performance.now() < until; k++) {
      const id = mine[k % mine.length], value = k % 2 + 1, t = performance.now();
      if (system === 'geoprojects') {
        const { updateProject } = await gql(
          'mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { version } errors { __typename } } }',
          { input: { id: globalId(id), expectedVersion: versions.get(id), landAreaMu: value } });
        if (updateProject.errors) throw new Error(`unexpected ${JSON.stringify(updateProject.errors)}`);
        versions.set(id, updateProject.project.version);
      } else {
        await gql('mutation($id: Int!, $v: BigFloat!) { updateProject(input: { id: $id, patch: { landAreaMu: $v } }) { clientMutationId } }',
          { id, v: String(value) });
      }
      latencies.push(performance.now() - t);
      writes++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = q => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(JSON.stringify({ system, writers: editors, writes, seconds, rps: writes / seconds, p50: at(0.5), p99: at(0.99) }));
  process.exit(0);
}

const before = new Map(await Promise.all(ids.map(async id => [id, (await s.read(id)).value])));
const latencies = [];
let writes = 0, conflicts = 0;
const started = performance.now();
await Promise.all(Array.from({ length: editors }, async (_, editor) => {
  for (let k = 0; k < increments;) {
    const id = ids[(editor + k) % ids.length];
    const read = await s.read(id);
    const t = performance.now();
    const ok = await s.write(id, read);
    latencies.push(performance.now() - t);
    writes++;
    if (ok) k++; else conflicts++;
  }
}));
const seconds = (performance.now() - started) / 1000;
const after = await Promise.all(ids.map(async id => (await s.read(id)).value - before.get(id)));
const applied = after.reduce((a, b) => a + b, 0);
latencies.sort((a, b) => a - b);
const at = q => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(JSON.stringify({
  system, editors, increments: editors * increments, writes, conflicts, conflictsPerSecond: conflicts / seconds,
  lost: editors * increments - applied, p50: at(0.5), p99: at(0.99), seconds,
}));

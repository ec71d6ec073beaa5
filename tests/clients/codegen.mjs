// GraphQL Code Generator against the live endpoint: TypeScript types for the schema and for our documented operations.
// Usage: node codegen.mjs <endpoint> <operations glob> <output folder>.
import { generate } from "@graphql-codegen/cli";

const [endpoint, documents, out] = process.argv.slice(2);
const files = await generate({
  schema: endpoint,
  documents,
  silent: true,
  pluginLoader: name => import(name), // resolve plugins from this folder's node_modules, wherever node runs
  errorsOnly: true,
  generates: {
    [`${out}/schema.ts`]: { plugins: ["typescript"] },
    [`${out}/operations.ts`]: { plugins: ["typescript", "typescript-operations"] },
  },
}, true);
console.log(JSON.stringify(files.map(f => ({ filename: f.filename, bytes: f.content.length }))));

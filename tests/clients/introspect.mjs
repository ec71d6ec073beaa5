// graphql-js as GraphiQL, Apollo Sandbox, Altair, Postman and GraphQL Code Generator load a schema: getIntrospectionQuery()
// with default options and with every option on, buildClientSchema, then a comparison with the committed SDL both ways.
// Usage: node introspect.mjs <endpoint> <schema.graphql>. Prints one JSON line; exit 1 on any difference.
import fs from "node:fs";
import {
  buildClientSchema, buildSchema, findBreakingChanges, findDangerousChanges, getIntrospectionQuery, assertValidSchema,
} from "graphql";

const [endpoint, sdlFile] = process.argv.slice(2);
const committed = buildSchema(fs.readFileSync(sdlFile, "utf8"));
const variants = {
  default: {},
  full: { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true },
};
// graphql-js 16.11+ also allows @deprecated on DIRECTIVE_DEFINITION (a draft of the spec); HotChocolate 14/15 and
// GraphQL.NET 8 declare the October 2021 locations. That one difference cannot affect an executable document.
// getIntrospectionQuery()'s defaults do not ask `isRepeatable`, so @authorize (repeatable, as HotChocolate declares it)
// comes back non-repeatable; with directiveIsRepeatable it matches.
const knownDifferences = new Set(["DIRECTIVE_LOCATION_REMOVED: DIRECTIVE_DEFINITION was removed from deprecated.",
  "DIRECTIVE_REPEATABLE_REMOVED: Repeatable flag was removed from authorize."]);
const report = {};
let failed = 0;
for (const [name, options] of Object.entries(variants)) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
    body: JSON.stringify({ query: getIntrospectionQuery(options), operationName: "IntrospectionQuery" }),
  });
  const body = await response.json();
  if (body.errors) {
    report[name] = { status: response.status, errors: body.errors };
    failed++;
    continue;
  }
  const client = buildClientSchema(body.data);
  assertValidSchema(client);
  const changes = [
    ...findBreakingChanges(committed, client), ...findDangerousChanges(committed, client),
    ...findBreakingChanges(client, committed), ...findDangerousChanges(client, committed),
  ].map(c => `${c.type}: ${c.description}`).filter(c => !knownDifferences.has(c));
  const dateTime = client.getType("DateTime");
  report[name] = { status: response.status, types: Object.keys(client.getTypeMap()).length, changes, dateTimeSpecifiedBy: dateTime?.specifiedByURL ?? null,
    directives: client.getDirectives().map(d => d.name + (d.isRepeatable ? " (repeatable)" : "")) };
  if (changes.length) failed++;
}
console.log(JSON.stringify(report));
process.exit(failed ? 1 : 0);

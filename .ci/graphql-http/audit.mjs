// Runs the graphql-http audit suite (GraphQL over HTTP conformance) against
// the server at the URL given, and fails on any error or warning: every
// MUST and SHOULD of the specification holds. MAY items are notices.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  const line = `${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}`;
  if (r.status === 'notice') {
    console.log(line);
  } else {
    console.error(line);
    failed++;
  }
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`graphql-http audit: ${ok} ok, ${failed} errors or warnings, ${results.length - ok - failed} notices`);
process.exit(failed === 0 ? 0 : 1);

// Reads one credential (JSON) on stdin and prints what the Digital Credentials Consortium's verifier
// (@digitalcredentials/verifier-core) answers, as JSON on stdout: its log (signature, expiration,
// revocation status…), its schema results and any fatal error.
//
// Offline: every fetch the verifier makes goes through the guard below. Addresses on this machine
// (127.0.0.1, localhost: the app under test, serving the status list) pass; the official Open Badges 3.0
// schema that verifier-core fetches from 1EdTech is answered with the copy vendored in
// tests/signing/ob3/; anything else is refused (and so shows in the result). No issuer registry is
// consulted (none given). The verifier's own console chatter goes to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCHEMAS = {
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json':
    path.join(here, '..', 'signing', 'ob3', 'ob_v3p0_achievementcredential_schema.json'),
};
const networkFetch = globalThis.fetch;
globalThis.fetch = async (resource, options) => {
  const url = new URL(typeof resource === 'string' ? resource : resource.url ?? String(resource));
  if (SCHEMAS[url.href]) {
    const schema = JSON.parse(fs.readFileSync(SCHEMAS[url.href], 'utf8'));
    schema.$id = url.href; // the file names its json-ld twin as $id; ajv asked for this address
    return new Response(JSON.stringify(schema), { headers: { 'Content-Type': 'application/json' } });
  }
  if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') {
    return networkFetch(resource, options);
  }
  throw new TypeError(`offline: refused to fetch ${url.href}`);
};
console.log = console.error;

const { verifyCredential } = await import('@digitalcredentials/verifier-core');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const credential = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const result = await verifyCredential({ credential, knownDIDRegistries: [] });

const plain = (error) => error && { name: error.name, message: error.message };
process.stdout.write(JSON.stringify({
  errors: (result.errors || []).map(plain),
  log: (result.log || []).map((step) => ({ id: step.id, valid: step.valid, error: plain(step.error) })),
  additionalInformation: result.additionalInformation || null,
}, null, 2) + '\n');

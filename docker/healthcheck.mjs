// A container healthcheck: `node /app/docker/healthcheck.mjs SERVICE` asks
// the service's /healthz and exits 0 when it answers 200, 1 otherwise.
//
// It reads the same configuration as the service (SEKIWAKE_CONFIG and the
// SEKIWAKE_* overrides), so it finds the metrics listener wherever that was
// put: the configured port plus SEKIWAKE_REPLICA, and loopback when the
// service listens on every address. Loading the configuration costs more
// than the check itself, and neither the file nor the environment of a
// container changes while it runs, so the address found is kept in /tmp.
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';

/** Longest the request may take; Docker's own timeout is a backstop. */
const TIMEOUT_MS = 3000;

const name = process.argv[2] ?? '';
const cache = `/tmp/sekiwake-healthcheck-${name}.json`;

async function listener() {
  try {
    return JSON.parse(readFileSync(cache, 'utf8'));
  } catch {
    const { loadConfig } = await import('/app/packages/shared/dist/config/load.js');
    const { host, port } = loadConfig(process.env.SEKIWAKE_CONFIG).services[name].metrics;
    const replica = Number(process.env.SEKIWAKE_REPLICA ?? 0) || 0;
    const found = { host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port: port + replica };
    try {
      writeFileSync(cache, JSON.stringify(found));
    } catch {
      // No writable /tmp: look it up again next time.
    }
    return found;
  }
}

function check({ host, port }) {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/healthz', timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

try {
  const { status, body } = await check(await listener());
  if (status !== 200) console.error(`${name}: /healthz answered ${status} ${body.trim()}`);
  process.exitCode = status === 200 ? 0 : 1;
} catch (err) {
  console.error(`${name}: /healthz not reachable: ${err?.message ?? err}`);
  process.exitCode = 1;
}

/**
 * Docker Compose for tests: is an engine usable, which compose command is
 * there, a project of the test's own that is always taken down, and a
 * receiver container that records what the forwarders deliver.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from './process.js';

/** The top of the repo, where docker-compose.yml is. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Why Docker cannot be used here, or null when it can. */
export async function dockerProblem(): Promise<string | null> {
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}']).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  if (info.code !== 0) return `no usable Docker engine (docker info: ${info.stderr.trim().split('\n').pop() ?? info.code})`;
  return null;
}

/** `docker-compose` (v1) when installed, else `docker compose` (v2), else null. */
export async function composeCommand(): Promise<string[] | null> {
  const v1 = await run('docker-compose', ['version', '--short']).catch(() => null);
  if (v1?.code === 0) return ['docker-compose'];
  const v2 = await run('docker', ['compose', 'version', '--short']).catch(() => null);
  if (v2?.code === 0) return ['docker', 'compose'];
  return null;
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A compose project of the test's own. */
export interface Project {
  name: string;
  /** Runs a compose subcommand; throws with its output when it fails. */
  compose(args: string[], timeoutMs?: number): Promise<string>;
  /** Container ids of a service, one per replica. */
  containers(service: string): Promise<string[]>;
}

/**
 * A project named `name` from docker-compose.yml plus `extraFiles`, with
 * `env` for the variables the files read. The test's cleanup takes it
 * down with its volumes, whatever happened.
 */
export function composeProject(t: TestContext, command: string[], name: string, extraFiles: string[], env: Record<string, string>): Project {
  const files = ['docker-compose.yml', ...extraFiles].flatMap((f) => ['-f', f]);
  const fullEnv = { ...process.env, ...env, COMPOSE_DOCKER_CLI_BUILD: '0', DOCKER_BUILDKIT: '0' };
  const compose = async (args: string[], timeoutMs = 600_000) => {
    const [cmd, ...pre] = command;
    const r = await run(cmd!, [...pre, '-p', name, ...files, ...args], { cwd: REPO, env: fullEnv, timeout: timeoutMs });
    if (r.code !== 0) throw new Error(`${command.join(' ')} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  t.after(async () => {
    await compose(['down', '-v', '--remove-orphans', '-t', '5'], 120_000).catch((e: Error) => console.error(e.message));
  });
  return {
    name,
    compose,
    async containers(service) {
      return (await compose(['ps', '-q', service])).split('\n').filter((l) => l.trim() !== '');
    },
  };
}

/** Runs `docker ARGS` and returns its standard output; throws when it fails. */
export async function docker(args: string[]): Promise<string> {
  const r = await run('docker', args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  return r.stdout.trim();
}

/** The receiver's UDP ports, one per kind, inside its container. */
export const RECEIVER_PORTS = { syslog: 5514, flow: 2055, trap: 1162 } as const;
/** Where the receiver answers HTTP inside its container. */
export const RECEIVER_HTTP_PORT = 8080;

// Runs in the receiver container (node:20 with nothing but Node's own
// modules). GET /datagrams: every datagram received so far, base64, by
// port. GET /probe?url=U: fetches U from inside the compose network.
// GET /resolve?name=N: every A record of N in the network's DNS.
const RECEIVER_SOURCE = `
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { lookup } from 'node:dns/promises';
const got = {};
for (const port of ${JSON.stringify(Object.values(RECEIVER_PORTS))}) {
  got[port] = [];
  const s = createSocket({ type: 'udp4', recvBufferSize: 16 << 20 });
  s.on('message', (m) => got[port].push(m.toString('base64')));
  s.bind(port, '0.0.0.0');
}
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://receiver');
  try {
    let body;
    if (url.pathname === '/datagrams') body = JSON.stringify(got);
    else if (url.pathname === '/resolve') body = JSON.stringify((await lookup(url.searchParams.get('name'), { all: true, family: 4 })).map((a) => a.address));
    else if (url.pathname === '/probe') {
      const r = await fetch(url.searchParams.get('url'), { signal: AbortSignal.timeout(5000) });
      body = JSON.stringify({ status: r.status, text: await r.text() });
    } else { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  } catch (err) {
    res.writeHead(502).end(String(err));
  }
});
server.listen(${RECEIVER_HTTP_PORT}, '0.0.0.0');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/**
 * Writes the receiver's script and a compose file that adds it, as service
 * `receiver`, to the project, and makes the forwarders wait for it. Returns
 * the compose file's path.
 */
export function writeReceiverOverride(dir: string, image: string): string {
  const script = join(dir, 'receiver.mjs');
  writeFileSync(script, RECEIVER_SOURCE, { mode: 0o644 });
  const forwarders = ['syslog-forwarder', 'xflow-forwarder', 'snmptrap-forwarder'];
  const override = {
    services: {
      receiver: {
        image,
        entrypoint: ['node', '/receiver.mjs'],
        read_only: true,
        cap_drop: ['ALL'],
        volumes: [`${script}:/receiver.mjs:ro`],
        ports: [`127.0.0.1::${RECEIVER_HTTP_PORT}`],
      },
      ...Object.fromEntries(forwarders.map((f) => [f, { depends_on: ['proxy', 'receiver'] }])),
    },
  };
  const file = join(dir, 'docker-compose.receiver.yml');
  writeFileSync(file, JSON.stringify(override, null, 2), { mode: 0o644 });
  return file;
}

/**
 * Removes the images that earlier builds of docker/Dockerfile left behind
 * untagged (older final images, older build stages), found by the label
 * the Dockerfile sets. The newest build stage stays: it is the next
 * build's cache.
 */
export async function removeSupersededImages(): Promise<void> {
  const list = async (stage: string) => (await docker(['images', '-q', '--no-trunc', '--filter', 'dangling=true', '--filter', `label=io.sekiwake.stage=${stage}`]))
    .split('\n').filter(Boolean);
  // `docker images` lists the newest first.
  const stale = [...(await list('build')).slice(1), ...(await list('app'))];
  for (const id of stale) await run('docker', ['rmi', id]);
}

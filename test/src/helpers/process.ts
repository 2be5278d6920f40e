/** Child processes for tests: started, watched, and always ended by their pid. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** The built `sekiwake` command. */
export const CLI = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));

/** A started process and what it has printed so far. */
export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when a line matching `re` has been printed (stdout or stderr). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `cmd`; the test's cleanup ends it if the test does not. */
export function start(t: TestContext, cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  let err = '';
  const waiters: Array<{ re: RegExp; resolve(line: string): void }> = [];
  const scan = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      const m = (out + err).split('\n').find((l) => w.re.test(l));
      if (m !== undefined) {
        waiters.splice(i, 1);
        w.resolve(m);
      }
    }
  };
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); scan(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); scan(); });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const proc: Proc = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${cmd}: no line matching ${re} in ${timeoutMs} ms\n${out}\n${err}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
        scan();
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${cmd} exited (${code}) before printing ${re}\n${out}\n${err}`));
        });
      });
    },
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  t.after(async () => { await proc.stop(2000); });
  return proc;
}

/** Runs `cmd` to its end and returns its exit code and output. */
export async function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

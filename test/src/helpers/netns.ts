/**
 * Two test hosts joined by a veth pair, each in a network namespace this
 * test creates and removes. Their addresses exist only inside the two
 * namespaces; no traffic leaves them.
 */
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** A pair of namespaces, `a` and `b`, and their addresses on the link. */
export interface NetnsPair {
  a: string;
  b: string;
  /** Interface names inside a and b. */
  ifA: string;
  ifB: string;
  ipv4: { a: string; b: string };
  ipv6: { a: string; b: string };
}

function ip(...args: string[]) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates the pair with the given MTU; removed when the test ends. */
export function createNetnsPair(t: TestContext, mtu = 1500): NetnsPair {
  const id = `${process.pid % 100000}`;
  const net = (process.pid % 200) + 20;
  const p: NetnsPair = {
    a: `skw-a-${id}`,
    b: `skw-b-${id}`,
    ifA: 'veth-a',
    ifB: 'veth-b',
    ipv4: { a: `10.254.${net}.1`, b: `10.254.${net}.2` },
    ipv6: { a: `fd5e:6b77::${net}:1`, b: `fd5e:6b77::${net}:2` },
  };
  ip('netns', 'add', p.a);
  t.after(() => ip('netns', 'del', p.a));
  ip('netns', 'add', p.b);
  t.after(() => ip('netns', 'del', p.b));
  ip('link', 'add', `skwa${id}`, 'type', 'veth', 'peer', 'name', `skwb${id}`);
  ip('link', 'set', `skwa${id}`, 'netns', p.a, 'name', p.ifA);
  ip('link', 'set', `skwb${id}`, 'netns', p.b, 'name', p.ifB);
  for (const [ns, dev, v4, v6] of [[p.a, p.ifA, p.ipv4.a, p.ipv6.a], [p.b, p.ifB, p.ipv4.b, p.ipv6.b]] as const) {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', dev, 'mtu', String(mtu), 'up');
    ip('-n', ns, 'addr', 'add', `${v4}/30`, 'dev', dev);
    ip('-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad');
  }
  return p;
}

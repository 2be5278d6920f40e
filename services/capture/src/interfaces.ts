/**
 * Interface names for the envelope. On `any`, Linux cooked v2 frames carry
 * an interface index; the name comes from sysfs, looked up once per index.
 */
import { readdirSync, readFileSync } from 'node:fs';

const SYSFS_NET = '/sys/class/net';

/** Maps interface indexes to names, caching what it found. */
export class InterfaceNames {
  private readonly names = new Map<number, string>();

  constructor(private readonly fallback: string) {}

  /** The name of `ifindex`, or the capture's own interface when unknown. */
  name(ifindex: number): string {
    if (ifindex < 0) return this.fallback;
    let n = this.names.get(ifindex);
    if (n === undefined) {
      n = lookup(ifindex) ?? `if${ifindex}`;
      if (this.names.size > 4096) this.names.clear();
      this.names.set(ifindex, n);
    }
    return n;
  }
}

function lookup(ifindex: number): string | null {
  try {
    for (const name of readdirSync(SYSFS_NET)) {
      const idx = Number(readFileSync(`${SYSFS_NET}/${name}/ifindex`, 'utf8').trim());
      if (idx === ifindex) return name;
    }
  } catch {
    // No sysfs (a container without it): the index stands in for the name.
  }
  return null;
}

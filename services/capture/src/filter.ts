/**
 * The BPF filter built from the configured ports, so that the kernel hands
 * us only what we forward. Non-first IPv4 fragments carry no UDP header, and
 * IPv6 fragments hide it behind the fragment header, so fragments pass the
 * filter whole and are sorted out after reassembly.
 */
import type { CaptureConfig } from '@sekiwake/shared';

/** Every destination port the capture watches, sorted, without repeats. */
export function watchedPorts(ports: CaptureConfig['ports']): number[] {
  return [...new Set([...ports.syslog, ...ports.flow, ...ports.trap])].sort((a, b) => a - b);
}

/**
 * A tcpdump-syntax filter: UDP to a watched port, plus IP fragments, with
 * and without one 802.1Q tag. Empty when no port is watched.
 */
export function buildFilter(ports: CaptureConfig['ports']): string {
  const list = watchedPorts(ports);
  if (list.length === 0) return '';
  const dst = list.map((p) => `dst port ${p}`).join(' or ');
  // ip[6:2] & 0x1fff: the IPv4 fragment offset (RFC 791); ip6[6] == 44: a
  // fragment header follows the IPv6 header, and ip6[40] is its next header
  // (RFC 8200 section 4.5). Only UDP fragments pass.
  const frag4 = 'ip proto 17 and ip[6:2] & 0x1fff != 0';
  const frag6 = 'ip6 and ip6[6] == 44 and ip6[40] == 17';
  const plain = `(udp and (${dst})) or (${frag4}) or (${frag6})`;
  return `${plain} or (vlan and (${plain}))`;
}

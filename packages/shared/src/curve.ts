/**
 * Optional CURVE security for the bus (ZeroMQ's CurveZMQ, RFC 26 of the
 * ZeroMQ RFCs): the proxy is the CURVE server, every other service a client
 * that knows the server's public key. Traffic is encrypted, clients know
 * they talk to the real proxy, and with `authorizedClients` the proxy
 * accepts only the listed client keys, checked by a ZAP handler (ZeroMQ
 * RFC 27) in the proxy process.
 */
import * as zmq from 'zeromq';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';

/** The ZAP domain the proxy's sockets authenticate in. */
export const ZAP_DOMAIN = 'sekiwake';
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

type Curve = Config['bus']['curve'];

/** Socket options of a bus client: empty when CURVE is off. */
export function clientSecurity(curve: Curve): Partial<zmq.SocketOptions<zmq.Socket>> & Record<string, unknown> {
  if (!curve) return {};
  return { curveServerKey: curve.serverPublicKey, curvePublicKey: curve.clientPublicKey, curveSecretKey: curve.clientSecretKey };
}

/** Socket options of the proxy's bound sockets: empty when CURVE is off. */
export function serverSecurity(curve: Curve): Record<string, unknown> {
  if (!curve) return {};
  return { curveServer: true, curveSecretKey: curve.serverSecretKey, zapDomain: ZAP_DOMAIN };
}

/**
 * Answers ZAP requests: a CURVE client whose public key is listed passes,
 * any other is refused (counted through `onDenied`). With no list, every
 * client that completes the CURVE handshake passes.
 */
export class ZapHandler {
  private readonly socket = new zmq.Router({ linger: 0 });
  private readonly allowed: Set<string> | null;
  private loop: Promise<void> | null = null;

  constructor(curve: NonNullable<Curve>, private readonly log: Logger, private readonly onDenied: () => void) {
    this.allowed = curve.authorizedClients.length > 0 ? new Set(curve.authorizedClients) : null;
  }

  /** Binds the handler; must run before the proxy's sockets bind. */
  async start(): Promise<void> {
    await this.socket.bind(ZAP_ENDPOINT);
    this.loop = this.serve();
  }

  /** Closes the handler. */
  async close(): Promise<void> {
    this.socket.close();
    await this.loop?.catch(() => undefined);
  }

  // Request frames: identity, empty, version, request id, domain, address,
  // routing id, mechanism, credentials (the client's 32-byte public key).
  private async serve(): Promise<void> {
    for await (const f of this.socket) {
      const [identity, empty, version, requestId, , address, , mechanism, key] = f;
      if (identity === undefined || empty === undefined || requestId === undefined) continue;
      const z85 = key && key.length === 32 ? encodeZ85(key) : '';
      const ok = mechanism?.toString() === 'CURVE' && (this.allowed === null || this.allowed.has(z85));
      if (!ok) {
        this.onDenied();
        this.log.warn({ address: address?.toString() ?? '', clientKey: z85 }, 'bus client refused');
      }
      await this.socket.send([identity, empty, version ?? '1.0', requestId, ok ? '200' : '400', ok ? 'OK' : 'client key not authorized', ok ? z85 : '', '']);
    }
  }
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 text of bytes whose length is a multiple of 4 (ZeroMQ RFC 32). */
export function encodeZ85(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 4) {
    let v = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85[v % 85]! + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}

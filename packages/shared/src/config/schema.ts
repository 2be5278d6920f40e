/**
 * The configuration of a whole Sekiwake stack: one file names the bus and
 * every service. Each service reads its own section; `sekiwake up` checks
 * them all before it starts anything.
 */
import { z } from 'zod';
import { endpoint, int, logLevel, metricsListen, port } from './fields.js';
import { destinationSchema, forwarderSchema } from './forwarder.js';
import { anomalySchema } from './services/anomaly.js';
import { snmptrapForwarderSchema } from './services/snmptrap-forwarder.js';
import { storeSchema } from './services/store.js';
import { xflowForwarderSchema } from './services/xflow-forwarder.js';

/** A CURVE key in Z85 text (ZeroMQ RFC 32), as `sekiwake keygen` prints. */
const z85Key = z.string().regex(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/, 'must be a 40-character Z85 CURVE key (sekiwake keygen makes a pair)');

/** The ZeroMQ bus: the proxy binds both endpoints, everyone else connects. */
export const busSchema = z
  .object({
    /** XSUB side: publishers (capture) connect here. */
    publishEndpoint: endpoint.default('tcp://127.0.0.1:5601'),
    /** XPUB side: subscribers (forwarders, store, anomaly) connect here. */
    subscribeEndpoint: endpoint.default('tcp://127.0.0.1:5602'),
    /** ROUTER for replica groups: forwarder replicas connect here. */
    groupEndpoint: endpoint.default('tcp://127.0.0.1:5603'),
    /**
     * ZMQ_SNDHWM in batches, on every sending socket of the bus. With
     * capture.batch.maxBytes it bounds each queue's memory: 256 × 256 KiB.
     */
    sendHighWaterMark: int(1, 100_000).default(256),
    /** ZMQ_RCVHWM in batches, on every receiving socket of the bus. */
    receiveHighWaterMark: int(1, 100_000).default(256),
    /** CURVE encryption and authentication of the bus; off when absent. */
    curve: z
      .object({
        /** The proxy's public key: every service needs it. */
        serverPublicKey: z85Key,
        /** The proxy's secret key: only where the proxy runs. */
        serverSecretKey: z85Key.optional(),
        /** This host's client key pair: where any other service runs. */
        clientPublicKey: z85Key.optional(),
        clientSecretKey: z85Key.optional(),
        /** Client public keys the proxy accepts; empty accepts any CURVE client. */
        authorizedClients: z.array(z85Key).max(1024).default([]),
      })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});

const portList = z.array(port).max(64);

/** The capture service: libpcap on an interface, or a pcap file. */
export const captureSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Interface name, or "any" for every interface (Linux cooked frames). */
    interface: z.string().min(1).max(64).default('any'),
    /** Read this pcap/pcapng file instead of an interface. */
    readFile: z.string().min(1).optional(),
    /** A BPF filter to use instead of the one built from the ports. */
    filter: z.string().min(1).optional(),
    snaplen: int(1500, 262144).default(262144),
    /** Kernel capture buffer (pcap_set_buffer_size). */
    bufferBytes: int(1 << 20, 1 << 30).default(64 << 20),
    promiscuous: z.boolean().default(false),
    /**
     * `in`: only what this host receives (pcap_setdirection), so a forwarder
     * sending to a watched port never captures its own output. `both` also
     * takes what the host sends, e.g. to relay a local daemon's messages.
     */
    direction: z.enum(['in', 'both']).default('in'),
    /** libpcap buffer timeout: the longest a packet waits in the kernel. */
    timeoutMs: int(1, 1000).default(10),
    /** Destination UDP ports that mark each kind. */
    ports: z
      .object({
        syslog: portList.default([514]),
        flow: portList.default([2055, 4739, 6343]),
        trap: portList.default([162]),
      })
      .strict()
      .prefault({}),
    batch: z
      .object({
        /** Most datagrams in one bus message. */
        maxDatagrams: int(1, 65535).default(512),
        /** Most bytes in one bus message. */
        maxBytes: int(131072, 16 << 20).default(256 << 10),
      })
      .strict()
      .prefault({}),
    reassembly: z
      .object({
        timeoutMs: int(100, 120_000).default(30_000),
        maxDatagrams: int(1, 1_000_000).default(4096),
        maxBytes: int(65536, 1 << 30).default(32 << 20),
      })
      .strict()
      .prefault({}),
    /** Batches waiting for the bus before new ones are dropped (counted). */
    maxQueuedBatches: int(1, 100_000).default(64),
    metrics: metricsListen(9461),
  })
  .strict()
  .prefault({});

/** The proxy joining publishers to subscribers. */
export const proxySchema = z
  .object({
    enabled: z.boolean().default(true),
    metrics: metricsListen(9460),
  })
  .strict()
  .prefault({});

/** Every service, by the name it has on the command line. */
export const servicesSchema = z
  .object({
    proxy: proxySchema,
    capture: captureSchema,
    'syslog-forwarder': forwarderSchema(9462),
    'xflow-forwarder': xflowForwarderSchema,
    'snmptrap-forwarder': snmptrapForwarderSchema,
    store: storeSchema,
    anomaly: anomalySchema,
  })
  .strict()
  .prefault({});

// The whole file's shape; the cross-field rules are added below.
const documentSchema = z
  .object({
    log: z.object({ level: logLevel.default('info') }).strict().prefault({}),
    bus: busSchema,
    /** `sekiwake up`, the process supervisor. */
    up: z.object({ metrics: metricsListen(9459) }).strict().prefault({}),
    services: servicesSchema,
  })
  .strict();

/** A validated configuration. */
export type Config = z.infer<typeof documentSchema>;

/** The whole file, with the rules that span sections. */
export const configSchema = documentSchema.superRefine(checkPorts).superRefine(checkCurve);
export type CaptureConfig = Config['services']['capture'];
export type ForwarderConfig = Config['services']['syslog-forwarder'];
/** Names of the services a config describes. */
export type ServiceName = keyof Config['services'];
export const SERVICE_NAMES = Object.keys(servicesSchema.unwrap().shape) as ServiceName[];

type Ctx = z.RefinementCtx;

/** The services that deliver datagrams to destinations. */
export const FORWARDERS = ['syslog-forwarder', 'xflow-forwarder', 'snmptrap-forwarder'] as const;

// A port can mark only one kind; and a forwarder that sends to a port the
// capture watches on the same host would capture its own output, forever.
function checkPorts(cfg: Config, ctx: Ctx) {
  const cap = cfg.services.capture;
  const owner = new Map<number, string>();
  for (const [kind, list] of Object.entries(cap.ports)) {
    list.forEach((p, i) => {
      const other = owner.get(p);
      if (other !== undefined && other !== kind) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', 'capture', 'ports', kind, i],
          message: `port ${p} is already a ${other} port; a port marks one kind only`,
        });
      }
      owner.set(p, kind);
    });
  }
  if (!cap.enabled || cap.readFile || !['lo', 'any'].includes(cap.interface)) return;
  for (const name of FORWARDERS) {
    const fwd: ForwarderConfig = cfg.services[name];
    fwd.destinations.forEach((d, i) => {
      if (isLoopback(d.host) && owner.has(d.port)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'destinations', i, 'port'],
          message: `port ${d.port} on loopback is captured on ${cap.interface}: forwarding there would loop`,
        });
      }
    });
  }
}

function isLoopback(h: string): boolean {
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

// CURVE needs the server's secret where the proxy runs and a client pair
// where anything else runs.
function checkCurve(cfg: Config, ctx: Ctx) {
  const curve = cfg.bus.curve;
  if (!curve) return;
  if (cfg.services.proxy?.enabled && !curve.serverSecretKey) {
    ctx.addIssue({ code: 'custom', path: ['bus', 'curve', 'serverSecretKey'], message: 'the proxy is enabled here, so CURVE needs its secret key' });
  }
  const clients = Object.entries(cfg.services).filter(([name, s]) => name !== 'proxy' && s.enabled);
  for (const key of ['clientPublicKey', 'clientSecretKey'] as const) {
    if (clients.length > 0 && !curve[key]) {
      ctx.addIssue({ code: 'custom', path: ['bus', 'curve', key], message: `${clients[0]![0]} is enabled here, so CURVE needs this host's client key pair` });
    }
  }
}

/** The xflow forwarder's configuration: NetFlow v5/v9, IPFIX and sFlow to collectors. */
import { z } from 'zod';
import { int } from '../fields.js';
import { forwarderSchema } from '../forwarder.js';

/** Per-exporter accounting: how many get metric labels, how many are tracked. */
const exportersSchema = z
  .object({
    /** The first exporter streams seen get their own metric labels; later ones share "other". */
    maxLabelled: int(1, 4096).default(256),
    /** Exporter streams whose sequence and templates are kept; the stalest are forgotten. */
    maxTracked: int(1, 1_000_000).default(4096),
  })
  .strict()
  .prefault({});

/** The template cache that primes collectors that connect mid-stream. */
const templatesSchema = z
  .object({
    /** Templates and options templates kept per exporter stream. */
    maxPerExporter: int(1, 65535).default(256),
    /** A template not refreshed by its exporter for this long is forgotten. */
    ttlMs: int(1000, 7 * 24 * 3600_000).default(1_800_000),
  })
  .strict()
  .prefault({});

export const xflowForwarderSchema = forwarderSchema(9463)
  .unwrap()
  .extend({ exporters: exportersSchema, templates: templatesSchema })
  .strict()
  .prefault({});

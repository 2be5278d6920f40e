/** `sekiwake anomaly-offline`: not built yet. */
import { usage } from './args.js';

/** Runs the command. */
export async function run(_args: string[]): Promise<number> {
  throw usage('anomaly-offline is not available yet');
}

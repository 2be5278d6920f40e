/** `sekiwake send trap`: not built yet. */
import { usage } from './args.js';

/** Runs `sekiwake send trap ...`. */
export async function sendTrapCommand(_args: string[]): Promise<number> {
  throw usage('send trap is not available yet');
}

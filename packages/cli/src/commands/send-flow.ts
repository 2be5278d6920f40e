/** `sekiwake send flow`: not built yet. */
import { usage } from './args.js';

/** Runs `sekiwake send flow ...`. */
export async function sendFlowCommand(_args: string[]): Promise<number> {
  throw usage('send flow is not available yet');
}

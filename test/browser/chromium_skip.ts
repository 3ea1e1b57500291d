/** Why the browser tests cannot run here (no Chromium), or null when they can. */
import { chromiumPath } from '../../src/browser/chromium.js';

export function chromiumMissingReason(testFile: string): string | null {
  try {
    chromiumPath();
    return null;
  } catch (error) {
    const reason = (error as Error).message;
    console.warn(`${testFile} skipped: ${reason}`);
    return reason;
  }
}

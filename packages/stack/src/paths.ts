import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository's root folder, found from this compiled file (packages/stack/dist/src). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

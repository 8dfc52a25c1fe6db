import { fileURLToPath } from 'node:url';

/** The folders of this service's migrations, applied together in the order of their names. */
export const MIGRATIONS = [fileURLToPath(new URL('../../migrations', import.meta.url))];

import { fileURLToPath } from 'node:url';
import { IDEMPOTENCY_MIGRATIONS } from '@orderflow/idempotency';

/** The folders of this service's migrations, applied together in the order of their names. */
export const MIGRATIONS = [fileURLToPath(new URL('../../migrations', import.meta.url)), IDEMPOTENCY_MIGRATIONS];

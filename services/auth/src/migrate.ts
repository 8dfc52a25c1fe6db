import { fileURLToPath } from 'node:url';
import { migrateFromEnvironment } from '@orderflow/db';

await migrateFromEnvironment(fileURLToPath(new URL('../../migrations', import.meta.url)));

import { openDatabase } from '@orderflow/db';
import { exitOnStartupError, runService, serviceOptionsOf } from '@orderflow/kit';
import { purgeKeysWhileRunning } from '@orderflow/idempotency';
import { buildBillingApp } from './app.js';
import { readBillingConfig } from './config.js';
import { MIGRATIONS } from './migrations.js';

exitOnStartupError('billing');
const config = readBillingConfig();
const db = await openDatabase('billing', config, MIGRATIONS);
const app = buildBillingApp({ ...serviceOptionsOf('billing', config), db });
purgeKeysWhileRunning(app, db);

await runService(app, { host: config.HOST, port: config.PORT, socketPath: config.SOCKET_PATH, onClose: () => db.end() });

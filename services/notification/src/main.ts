import { openDatabase } from '@orderflow/db';
import { exitOnStartupError, runService, serviceOptionsOf } from '@orderflow/kit';
import { buildNotificationApp } from './app.js';
import { readNotificationConfig } from './config.js';
import { MIGRATIONS } from './migrations.js';

exitOnStartupError('notification');
const config = readNotificationConfig();
const db = await openDatabase('notification', config, MIGRATIONS);
const app = buildNotificationApp({ ...serviceOptionsOf('notification', config), db });

await runService(app, { host: config.HOST, port: config.PORT, socketPath: config.SOCKET_PATH, onClose: () => db.end() });

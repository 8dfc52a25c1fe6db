// The migrate entry: Kubernetes runs it as an init container before a new version serves, and
// startSystem before it starts the processes. It applies the migrations to DATABASE_URL and exits;
// a bad variable or a failed migration is one line and exit code 1.
import { Type } from 'typebox';
import { migrate } from '@orderflow/db';
import { databaseUrlField, exitOnStartupError, readConfig } from '@orderflow/kit';
import { MIGRATIONS } from './migrations.js';

exitOnStartupError('notification migrations');
const { DATABASE_URL } = readConfig(Type.Object(databaseUrlField('notification')));
await migrate(DATABASE_URL, MIGRATIONS, { log: (message) => console.log(message) });

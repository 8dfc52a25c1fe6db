// `npm run clean` (and so every `npm test`): removes the compiled output of every workspace, so the
// next build starts from the sources alone and a deleted source leaves no stale .js behind, which
// `tsc -b --clean` would keep (it removes only the outputs of sources that still exist). Plain
// JavaScript, so it runs before anything is built. web/dist is vite's, emptied by each web build.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const folders = ['packages', 'services'].flatMap((parent) =>
  readdirSync(path.join(root, parent), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => path.join(parent, entry.name)),
);
for (const folder of [...folders, 'bench', 'tests']) rmSync(path.join(root, folder, 'dist'), { recursive: true, force: true });

// Runs before `npm start` and `npm test` (npm's prestart/pretest): installs the locked dependencies when
// node_modules is missing or older than package-lock.json, and does nothing (a few stat calls)
// when the install is current. Plain JavaScript with no imports beyond Node's own: it must run before any
// dependency exists. npm writes node_modules/.package-lock.json at the end of every install, so its age says
// when the tree was last installed (npm itself uses it the same way).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const mtime = (file) => {
  try {
    return statSync(new URL(file, root)).mtimeMs;
  } catch {
    return undefined;
  }
};

const installed = mtime('node_modules/.package-lock.json');
// Only the lock file counts: every dependency change rewrites it, while editing package.json's scripts does not
// need a reinstall (and a package.json whose dependencies disagree with the lock makes `npm ci` say so).
const wanted = mtime('package-lock.json') ?? 0;
if (installed !== undefined && installed >= wanted) process.exit(0);

console.log(
  installed === undefined ? 'Installing dependencies (npm ci)…' : 'Dependencies changed: reinstalling (npm ci)…',
);
const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
process.exit(npm.status ?? 1);

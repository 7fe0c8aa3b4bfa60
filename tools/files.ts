import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every file below `dir` whose name ends with `suffix`, skipping node_modules and dot-folders. */
export async function listFiles(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : listFiles(full, suffix);
      return e.name.endsWith(suffix) ? [full] : [];
    }),
  );
  return nested.flat();
}

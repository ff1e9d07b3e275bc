import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const DOMAIN = join(__dirname, '../../../domain');
const files = readdirSync(DOMAIN, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'));

describe('domain/ is sandbox-safe (Temporal workflow code imports it)', () => {
  it('issue 4 §sandbox: imports nothing but decimal.js, zod and relative domain files', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const src = readFileSync(join(DOMAIN, file), 'utf8');
      const specifiers = [
        ...src.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g),
        ...src.matchAll(/import\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
        ...src.matchAll(/require\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
        ...src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
      ].map((m) => m[1] as string);
      for (const spec of specifiers) {
        const ok =
          spec === 'decimal.js' ||
          spec === 'zod' ||
          (spec.startsWith('./') && !spec.includes('..'));
        if (!ok) throw new Error(`${file} imports "${spec}"`);
      }
    }
  });

  it('issue 4 §sandbox: reads no clock and draws no randomness', () => {
    for (const file of files) {
      const src = readFileSync(join(DOMAIN, file), 'utf8');
      expect({
        file,
        hit: /Date\.now\(|new Date\(\s*\)|Math\.random\(|performance\.now\(|process\./.exec(
          src,
        )?.[0],
      }).toEqual({
        file,
        hit: undefined,
      });
    }
  });
});

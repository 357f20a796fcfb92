/**
 * Writes the golden files of tests/golden/designs.ts: the generated text of
 * one dense, one zero-skipping and one plain-buffer design, each into
 * tests/golden/NAME/ (replacing the folder atomically). Run it after an
 * intended change to the templates or the elaboration, review the diff
 * (`git diff tests/golden`), and commit it with the change. It also writes
 * docs/register-map.md from generator/elaborate/regmap.ts.
 *
 *   npx tsx scripts/update-golden.ts
 */
import { join } from 'node:path';
import { designFromFile } from '../generator/pipeline.ts';
import { registerMapMarkdown } from '../generator/render/regmap-doc.ts';
import { REPO_ROOT } from '../generator/render/render.ts';
import { writeFileAtomic, writeTreeAtomic } from '../generator/write/atomic.ts';
import { GOLDEN_DESIGNS, goldenDir, goldenSpecPath } from '../tests/golden/designs.ts';

for (const entry of GOLDEN_DESIGNS) {
  const design = designFromFile(goldenSpecPath(entry));
  if (design.model.name !== entry.name) {
    throw new Error(`${entry.spec} names its design "${design.model.name}", but tests/golden/designs.ts expects "${entry.name}"`);
  }
  await writeTreeAtomic(goldenDir(entry), design.files);
  console.log(`wrote ${design.files.size} files to tests/golden/${entry.name} (${entry.family}, from ${entry.spec})`);
}

await writeFileAtomic(join(REPO_ROOT, 'docs', 'register-map.md'), registerMapMarkdown());
console.log('wrote docs/register-map.md (from generator/elaborate/regmap.ts)');

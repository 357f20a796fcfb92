/**
 * Writes the golden files of tests/golden/designs.ts: the generated text of
 * one dense, one zero-skipping and one plain-buffer design, each into
 * tests/golden/NAME/ (replacing the folder atomically). Run it after an
 * intended change to the templates or the elaboration, review the diff
 * (`git diff tests/golden`), and commit it with the change.
 *
 *   npx tsx scripts/update-golden.ts
 */
import { designFromFile } from '../generator/pipeline.ts';
import { writeTreeAtomic } from '../generator/write/atomic.ts';
import { GOLDEN_DESIGNS, goldenDir, goldenSpecPath } from '../tests/golden/designs.ts';

for (const entry of GOLDEN_DESIGNS) {
  const design = designFromFile(goldenSpecPath(entry));
  if (design.model.name !== entry.name) {
    throw new Error(`${entry.spec} names its design "${design.model.name}", but tests/golden/designs.ts expects "${entry.name}"`);
  }
  await writeTreeAtomic(goldenDir(entry), design.files);
  console.log(`wrote ${design.files.size} files to tests/golden/${entry.name} (${entry.family}, from ${entry.spec})`);
}

/**
 * The designs whose generated text is kept as golden files under
 * tests/golden/NAME/: one per template family (dense core, zero-skipping core,
 * plain weight buffer), each a small spec so the golden text stays short.
 * tests/unit/generate.test.ts compares the generator's output with them;
 * scripts/update-golden.ts (re)writes them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_ROOT = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(GOLDEN_ROOT, '..', '..');

export interface GoldenDesign {
  /** module prefix of the design, and its folder under tests/golden/ */
  name: string;
  /** the spec file, relative to the repository root */
  spec: string;
  /** what the design covers */
  family: string;
}

export const GOLDEN_DESIGNS: GoldenDesign[] = [
  { name: 'tiny_trainer', spec: 'specs/small.json', family: 'dense core, transposable weight buffer' },
  { name: 'tiny_sparse', spec: 'tests/golden/specs/tiny_sparse.json', family: 'zero-skipping core' },
  { name: 'tiny_plain', spec: 'tests/golden/specs/tiny_plain.json', family: 'dense core, plain (row-only) weight buffer' },
];

export const goldenSpecPath = (d: GoldenDesign): string => path.join(REPO_ROOT, d.spec);
export const goldenDir = (d: GoldenDesign): string => path.join(GOLDEN_ROOT, d.name);

/** The command that writes the golden folders; failure messages name it. */
export const UPDATE_GOLDEN_COMMAND = 'npx tsx scripts/update-golden.ts';

/**
 * The generator's modules form a graph without cycles: every module can be
 * read, tested and replaced from the leaves up.
 */
import fg from 'fast-glob';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Relative imports (type-only ones included) of each TypeScript file under generator/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of fg.sync('generator/**/*.ts', { cwd: repoRoot })) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+\.ts)'/gms)].map((m) =>
      relative(repoRoot, resolve(repoRoot, dirname(file), m[1])),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle's path, found by depth-first search. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('module graph', () => {
  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('has no import cycles in generator/', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(20);
    // every relative import names a file that exists
    for (const [file, targets] of graph) for (const t of targets) expect(graph.has(t), `${file} imports ${t}`).toBe(true);
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });
});

/**
 * Render stage: fills the Handlebars templates with the elaborated model. The
 * templates are compiled with noEscape (Verilog is not HTML), strict (a missing
 * model field is an error, not an empty string) and knownHelpersOnly (only the
 * built-in block helpers: if, unless, each).
 */
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreModel } from '../elaborate/model.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEMPLATE_DIR = join(REPO_ROOT, 'templates');
export const TESTBENCH_DIR = join(REPO_ROOT, 'testbench');

const COMPILE_OPTIONS = { noEscape: true, strict: true, knownHelpersOnly: true } as const;

type Template = (context: object) => string;

function makeEnvironment(dirs: string[]): Map<string, Template> {
  const hbs = Handlebars.create();
  const partialDir = join(TEMPLATE_DIR, 'partials');
  for (const file of readdirSync(partialDir).sort()) {
    if (!file.endsWith('.hbs')) continue;
    hbs.registerPartial(file.replace(/\.hbs$/, ''), hbs.compile(readFileSync(join(partialDir, file), 'utf8'), COMPILE_OPTIONS));
  }
  const templates = new Map<string, Template>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.hbs')) continue;
      templates.set(file.replace(/\.hbs$/, ''), hbs.compile(readFileSync(join(dir, file), 'utf8'), COMPILE_OPTIONS));
    }
  }
  return templates;
}

let cached: ReturnType<typeof makeEnvironment> | undefined;

/** Renders one template with the model; `module` is the generated module's name. */
export function renderTemplate(name: string, model: CoreModel, extra: Record<string, unknown> = {}): string {
  cached ??= makeEnvironment([TEMPLATE_DIR, TESTBENCH_DIR]);
  const template = cached.get(name);
  if (!template) throw new Error(`no template named ${name} in ${TEMPLATE_DIR} or ${TESTBENCH_DIR}`);
  // lb/rb print a literal brace where Verilog needs "{{" (a replication inside a concatenation)
  return template({ m: model, lb: '{', rb: '}', ...extra });
}

/** Every file of the design: relative path -> text, in compile order. */
export function renderCore(model: CoreModel): Map<string, string> {
  const files = new Map<string, string>();
  for (const mod of model.modules) {
    files.set(`${mod.name}.v`, renderTemplate(`${mod.template}.v`, model, { module: mod.name, shape: mod.shape }));
  }
  return files;
}

/** The testbench for the design (not part of the generated RTL). */
export function renderTestbench(model: CoreModel): string {
  return renderTemplate('tb_core.sv', model);
}

/** The testbench of the whole system: the design between a scripted AXI4-Lite host and the AXI4 memory model. */
export function renderSystemTestbench(model: CoreModel): string {
  return renderTemplate('tb_system.sv', model);
}

/** The hand-written verification IP the system testbench instantiates (testbench/*.sv): file name -> text. */
export function verificationIp(): Map<string, string> {
  return new Map(
    ['axi_memory_model.sv', 'axi_protocol_checker.sv', 'axil_protocol_checker.sv'].map((file) => [
      file,
      readFileSync(join(TESTBENCH_DIR, file), 'utf8'),
    ]),
  );
}

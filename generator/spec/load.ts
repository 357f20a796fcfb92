// Loading and validating accelerator specs: JSON file -> schema (with
// defaults) -> consistency checks -> LoadedSpec with a stable hash.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import schema from './schema.json' with { type: 'json' };
import type { LoadedSpec, Spec } from './types.ts';
import { UserError } from '../util/errors.ts';
import { effectiveScanWidth } from '../elaborate/sparse.ts';

// Compiled once: compiling is far slower than validating.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validateSchema = ajv.compile(schema);

/**
 * Reserved words of Verilog-2005 and SystemVerilog (IEEE 1800-2017). Only the
 * lowercase ones matter: the name pattern admits nothing else.
 */
const VERILOG_KEYWORDS = new Set(
  `accept_on alias always always_comb always_ff always_latch and assert assign
  assume automatic before begin bind bins binsof bit break buf bufif0 bufif1 byte
  case casex casez cell chandle checker class clocking cmos config const
  constraint context continue cover covergroup coverpoint cross deassign default
  defparam design disable dist do edge else end endcase endchecker endclass
  endclocking endconfig endfunction endgenerate endgroup endinterface endmodule
  endpackage endprimitive endprogram endproperty endspecify endsequence endtable
  endtask enum event eventually expect export extends extern final first_match
  for force foreach forever fork forkjoin function generate genvar global highz0
  highz1 if iff ifnone ignore_bins illegal_bins implements implies import incdir
  include initial inout input inside instance int integer interconnect interface
  intersect join join_any join_none large let liblist library local localparam
  logic longint macromodule matches medium modport module nand negedge nettype
  new nexttime nmos nor noshowcancelled not notif0 notif1 null or output package
  packed parameter pmos posedge primitive priority program property protected
  pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand
  randc randcase randsequence rcmos real realtime ref reg reject_on release
  repeat restrict return rnmos rpmos rtran rtranif0 rtranif1 s_always
  s_eventually s_nexttime s_until s_until_with scalared sequence shortint
  shortreal showcancelled signed small soft solve specify specparam static
  string strong strong0 strong1 struct super supply0 supply1 sync_accept_on
  sync_reject_on table tagged task this throughout time timeprecision timeunit
  tran tranif0 tranif1 tri tri0 tri1 triand trior trireg type typedef union
  unique unique0 unsigned until until_with untyped use uwire var vectored virtual
  void wait wait_order wand weak weak0 weak1 while wildcard wire with within wor
  xnor xor`.split(/\s+/),
);

/** Validates a parsed spec, applies defaults and returns it with its hash. */
export function validateSpecObject(raw: unknown, source: string): LoadedSpec {
  // ajv's useDefaults writes into the data, so work on a private copy.
  let data: unknown;
  try {
    data = structuredClone(raw);
  } catch {
    throw new UserError(`${source}: /: the spec must be plain JSON data`);
  }

  // Each problem is [jsonPointer, reason]; '' is the root pointer.
  const problems: Array<[string, string]> = [];
  if (!validateSchema(data)) {
    for (const error of validateSchema.errors ?? []) problems.push(describeSchemaError(error, data));
  }
  problems.push(
    ...consistencyProblems(
      data,
      problems.map(([path]) => path),
    ),
  );

  if (problems.length > 0) {
    throw new UserError(problems.map(([path, reason]) => `${source}: ${path || '/'}: ${reason}`));
  }
  const spec = data as Spec;
  return { spec, hash: specHash(spec), source };
}

/** Reads, parses and validates a spec file; every failure is a UserError naming the file. */
export function loadSpecFile(path: string): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: spec file not found`);
    if (code === 'EISDIR') throw new UserError(`${path}: is a directory, not a spec file`);
    throw new UserError(`${path}: cannot read spec file: ${(error as Error).message}`);
  }
  // Editors on Windows like to prepend a byte-order mark, which JSON.parse rejects.
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const { line, column } = lineAndColumn(text, jsonErrorOffset(text, message));
    throw new UserError(`${path}: invalid JSON at line ${line}, column ${column}: ${cleanJsonMessage(message)}`);
  }
  return validateSpecObject(raw, path);
}

/** First 16 hex digits of sha256 over the canonical JSON of the (normalised) spec. */
export function specHash(spec: Spec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}

/**
 * JSON with object keys sorted recursively and no whitespace, so equal values
 * always give equal text. Like JSON.stringify, undefined properties are dropped.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------
// Schema error messages

function describeSchemaError(error: ErrorObject, data: unknown): [string, string] {
  const path = error.instancePath;
  const value = valueAt(data, path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const hint = missing === 'name' ? ' — give the accelerator a lower_snake name, e.g. "edge_trainer"' : '';
      return [`${path}/${escapePointer(missing)}`, `required property is missing${hint}`];
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys(schemaAt(error.schemaPath).properties ?? {}).join(', ');
      return [`${path}/${escapePointer(extra)}`, `unknown property (allowed: ${allowed})`];
    }
    case 'type':
      return [path, `expected ${withArticle(String(params.type))}, got ${describeValue(value)}`];
    case 'minimum':
      return [path, `${show(value)} is below the minimum ${params.limit}`];
    case 'maximum':
      return [path, `${show(value)} is above the maximum ${params.limit}`];
    case 'pattern':
      if (path === '/name') {
        return [
          path,
          `${show(value)} is not a valid name: use 1 to 32 lowercase letters, digits and underscores, starting with a letter (e.g. "edge_trainer")`,
        ];
      }
      return [path, `${show(value)} does not match the pattern ${params.pattern}`];
    default:
      // Keywords the schema does not use today; ajv's own wording is still accurate.
      return [path, `${show(value)} ${error.message ?? 'is invalid'}`];
  }
}

/** The sub-schema holding the keyword at an ajv schemaPath such as "#/properties/array/additionalProperties". */
function schemaAt(schemaPath: string): { properties?: Record<string, unknown> } {
  const segments = schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1);
  let node: unknown = schema;
  for (const segment of segments) node = (node as Record<string, unknown>)[unescapePointer(segment)];
  return (node ?? {}) as { properties?: Record<string, unknown> };
}

// ---------------------------------------------------------------------------
// Consistency checks (relations between fields the schema cannot express)

function consistencyProblems(data: unknown, schemaErrorPaths: string[]): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  // A field is only trusted if the schema had nothing to say about it or its
  // parents; otherwise we would report the same mistake twice.
  const usable = (path: string) => !schemaErrorPaths.some((bad) => bad === path || path.startsWith(`${bad}/`));
  const integer = (path: string): number | undefined => {
    const value = valueAt(data, path);
    return usable(path) && Number.isInteger(value) ? (value as number) : undefined;
  };

  const name = valueAt(data, '/name');
  if (usable('/name') && typeof name === 'string' && VERILOG_KEYWORDS.has(name)) {
    problems.push(['/name', `${show(name)} is a Verilog/SystemVerilog keyword; choose another name`]);
  }

  const operandBits = integer('/numeric/operandBits');
  const accumulatorBits = integer('/numeric/accumulatorBits');
  if (operandBits !== undefined && accumulatorBits !== undefined && accumulatorBits < 2 * operandBits) {
    problems.push([
      '/numeric/accumulatorBits',
      `${accumulatorBits} is less than 2 x operandBits (${2 * operandBits}); products would overflow — raise it to at least ${2 * operandBits}`,
    ]);
  }

  // Each buffer must hold at least one block of the array, else no tile fits.
  const rows = integer('/array/rows');
  const cols = integer('/array/cols');
  // the zero-skipping core keeps X and dY in row stores, checked further down
  const sparse = valueAt(data, '/sparsity/skipZeros') === true;
  const blocks: Array<[string, number | undefined, number | undefined, string]> = [
    ['weightWords', cols, cols, 'weight block (cols x cols)'],
    // an activation block is rows x cols but is spread over max(rows, cols) banks
    [
      'activationWords',
      rows,
      rows === undefined || cols === undefined ? undefined : Math.max(rows, cols),
      'activation block (rows x cols, over max(rows, cols) banks)',
    ],
    ['errorWords', rows, rows, 'error block (rows x rows)'],
    ['resultWords', rows, cols, 'result block (rows x cols)'],
  ];
  for (const [field, height, width, what] of blocks) {
    if (sparse && (field === 'activationWords' || field === 'errorWords')) continue;
    const path = `/buffers/${field}`;
    const words = integer(path);
    if (words === undefined || height === undefined || width === undefined) continue;
    const needed = height * width;
    if (words < needed) {
      problems.push([path, `${words} words cannot hold one ${height}x${width} ${what}; raise it to at least ${needed}`]);
    }
  }

  // zero-skipping geometry: words are whole multiples of the array width, chunks whole words
  const scanWidth = integer('/sparsity/scanWidth');
  const chunkDepth = integer('/sparsity/chunkDepth');
  if (cols !== undefined && scanWidth !== undefined && scanWidth % cols !== 0) {
    problems.push(['/sparsity/scanWidth', `${scanWidth} is not a multiple of array.cols (${cols}); ${suggest(scanWidth, cols, 128)}`]);
  } else if (cols !== undefined && chunkDepth !== undefined) {
    const width = effectiveScanWidth(cols, scanWidth);
    if (chunkDepth % width !== 0) {
      problems.push([
        '/sparsity/chunkDepth',
        `${chunkDepth} is not a multiple of the scan width (${width}); ${suggest(chunkDepth, width, 4096)}`,
      ]);
    }
  }
  if (sparse && valueAt(data, '/array/multiplyRegister') === true) {
    problems.push([
      '/array/multiplyRegister',
      'the zero-skipping core (sparsity.skipZeros) has no multiply register; set it to false or use the dense core',
    ]);
  }
  if (valueAt(data, '/sparsity/skipZeros') === true && rows !== undefined && cols !== undefined) {
    const width = effectiveScanWidth(cols, scanWidth);
    for (const field of ['activationWords', 'errorWords'] as const) {
      const words = integer(`/buffers/${field}`);
      if (words !== undefined && words < rows * width) {
        problems.push([
          `/buffers/${field}`,
          `${words} words cannot hold one word of ${width} elements in each of the ${rows} row banks of the zero-skipping core; raise it to at least ${rows * width}`,
        ]);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Small helpers

/** "use A or B": the multiples of step around value that the schema allows. */
function suggest(value: number, step: number, max: number): string {
  const low = Math.max(step, value - (value % step));
  const options = [low, low + step].filter((v) => v <= max);
  return options.length ? `use ${options.join(' or ')}` : `no multiple of ${step} is within the maximum ${max}; change array.cols`;
}

/** The value at a JSON pointer ('' is the root), or undefined if absent. */
function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node = data;
  for (const segment of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[unescapePointer(segment)];
  }
  return node;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A value as it would appear in JSON, shortened so one line stays one line. */
function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${show(value)}`;
  if (typeof value === 'number') return `the number ${show(value)}`;
  if (typeof value === 'boolean') return String(value);
  return show(value);
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

// ---------------------------------------------------------------------------
// JSON syntax error locations

/**
 * Offset of a JSON syntax error. V8 states the position for most errors, but
 * Node 20 omits it for "Unexpected token" ones, so we then scan for it.
 */
function jsonErrorOffset(text: string, message: string): number {
  const position = /at position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  return scanForJsonError(text);
}

/** V8's message without the position (we print line/column) or the echoed input. */
function cleanJsonMessage(message: string): string {
  return message
    .replace(/,\s*"[\s\S]*" is not valid JSON$/, '')
    .replace(/ at position \d+.*$/, '')
    .replace(/ in JSON$/, '')
    .replace(/\r?\n/g, '\\n')
    .replace(/\t/g, '\\t');
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * Offset of the first character that makes `text` invalid JSON (a minimal
 * recursive-descent checker; used only when JSON.parse has already failed).
 */
function scanForJsonError(text: string): number {
  let i = 0;
  class Stop {
    constructor(readonly at: number) {}
  }
  function fail(): never {
    throw new Stop(i);
  }
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) fail();
    i++;
  };
  const isHex = (char: string | undefined) => char !== undefined && /[0-9a-fA-F]/.test(char);
  const parseString = () => {
    expect('"');
    while (text[i] !== '"') {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!isHex(text[i])) fail();
          }
        } else if (i >= text.length || !'"\\/bfnrt'.includes(text[i])) {
          fail();
        }
      }
      i++;
    }
    i++; // the closing quote
  };
  const parseValue = (): void => {
    skipSpace();
    if (text[i] === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        parseString();
        skipSpace();
        expect(':');
        parseValue();
        skipSpace();
        if (text[i] !== ',') return expect('}');
        i++;
      }
    }
    if (text[i] === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        parseValue();
        skipSpace();
        if (text[i] !== ',') return expect(']');
        i++;
      }
    }
    if (text[i] === '"') return parseString();
    const token = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!token) fail();
    i += token[0].length;
  };

  try {
    parseValue();
    skipSpace();
    if (i < text.length) fail();
  } catch (stop) {
    if (stop instanceof Stop) return stop.at;
    throw stop;
  }
  return text.length; // not reached when JSON.parse failed, but keeps the type total
}

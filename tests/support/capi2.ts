/**
 * A strict reader of the YAML subset trainforge's FuseSoC core files use
 * (FuseSoC itself is not installed): a `CAPI=2:` first line, `#` comment
 * lines, nested mappings indented by two spaces, block lists of scalars, and
 * scalars plain or in double quotes. Anything else (tabs, odd indentation,
 * flow collections, anchors, a key given twice) is an error, so a core file
 * that drifts from plain YAML fails the tests instead of being half-read.
 */

export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  number: number;
  indent: number;
  text: string;
}

function scalar(raw: string, where: string): string {
  if (raw.startsWith('"')) {
    if (!/^"[^"\\]*"$/.test(raw)) throw new Error(`${where}: bad quoted scalar ${raw}`);
    return raw.slice(1, -1);
  }
  // characters that would make YAML read something other than a plain string
  if (/^[[\]{}&*!|>'%@`]|: |\s#/.test(raw) || raw === '') throw new Error(`${where}: scalar ${JSON.stringify(raw)} needs quotes`);
  return raw;
}

export function parseCapi2(text: string): { [key: string]: YamlValue } {
  const all = text.split('\n');
  if (all[0] !== 'CAPI=2:') throw new Error(`line 1: expected "CAPI=2:", got ${JSON.stringify(all[0])}`);
  if (!text.endsWith('\n')) throw new Error('the file does not end with a newline');
  const lines: Line[] = [];
  all.slice(1).forEach((raw, i) => {
    const number = i + 2;
    if (raw.includes('\t')) throw new Error(`line ${number}: a tab`);
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    if (/\s$/.test(raw)) throw new Error(`line ${number}: trailing white space`);
    const indent = raw.length - raw.trimStart().length;
    if (indent % 2 !== 0) throw new Error(`line ${number}: indentation of ${indent} spaces`);
    lines.push({ number, indent, text: raw.trimStart() });
  });
  let at = 0;

  const block = (indent: number): YamlValue => {
    const first = lines[at];
    if (first.text.startsWith('- ')) {
      const list: YamlValue[] = [];
      while (at < lines.length && lines[at].indent === indent && lines[at].text.startsWith('- ')) {
        list.push(scalar(lines[at].text.slice(2), `line ${lines[at].number}`));
        at++;
      }
      return list;
    }
    const map: { [key: string]: YamlValue } = {};
    while (at < lines.length && lines[at].indent === indent) {
      const line = lines[at];
      const m = /^([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?$/.exec(line.text);
      if (!m) throw new Error(`line ${line.number}: expected "key:" or "key: value", got ${JSON.stringify(line.text)}`);
      const key = m[1];
      if (key in map) throw new Error(`line ${line.number}: key ${key} given twice`);
      at++;
      if (m[2] !== undefined) {
        map[key] = scalar(m[2], `line ${line.number}`);
      } else {
        if (at >= lines.length || lines[at].indent !== indent + 2) throw new Error(`line ${line.number}: ${key} has no indented value`);
        map[key] = block(indent + 2);
      }
    }
    return map;
  };

  const top = block(0);
  if (at !== lines.length) throw new Error(`line ${lines[at].number}: unexpected indentation`);
  if (Array.isArray(top) || typeof top === 'string') throw new Error('the top level is not a mapping');
  return top;
}

/** The value at a path of keys, which must be a string. */
export function str(doc: YamlValue, ...path: string[]): string {
  const v = at(doc, path);
  if (typeof v !== 'string') throw new Error(`${path.join('.')} is not a scalar`);
  return v;
}

/** The value at a path of keys, which must be a list of strings. */
export function list(doc: YamlValue, ...path: string[]): string[] {
  const v = at(doc, path);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${path.join('.')} is not a list of scalars`);
  return v as string[];
}

/** The value at a path of keys, which must be a mapping. */
export function map(doc: YamlValue, ...path: string[]): { [key: string]: YamlValue } {
  const v = at(doc, path);
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path.join('.')} is not a mapping`);
  return v;
}

function at(doc: YamlValue, path: string[]): YamlValue {
  let v: YamlValue = doc;
  for (const key of path) {
    if (typeof v !== 'object' || Array.isArray(v) || !(key in v)) throw new Error(`no ${path.join('.')}`);
    v = v[key];
  }
  return v;
}

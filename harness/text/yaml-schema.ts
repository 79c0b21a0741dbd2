import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

/** A path into a YAML document, as zod reports it. */
export type YamlPath = readonly (string | number)[];

/** A YAML input that failed: one line, `source:line: field: problem`. */
export class YamlInputError extends Error {}

export function pathText(path: YamlPath): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') || '(top level)';
}

/** A validated YAML document, with the line of any path in it for later (cross-field) errors. */
export interface ParsedYaml<T> {
  readonly data: T;
  /** `source:line: field: message`, the line being that of the node at `path` (or its deepest existing parent). */
  errorAt(path: YamlPath, message: string): string;
}

/**
 * Parses YAML text and validates it with a zod schema; a syntax error or the first schema issue
 * becomes a YamlInputError naming the file, the line and the field.
 */
export function parseYaml<S extends z.ZodType>(schema: S, text: string, source: string): ParsedYaml<z.infer<S>> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    throw new YamlInputError(`${source}:${counter.linePos(yamlError.pos[0]).line}: invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const lineOf = (path: YamlPath): number => {
    let node: unknown = doc.contents;
    let best = (node as YamlNode | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) node = node.get(key, true);
      else if (isSeq(node)) node = node.get(Number(key), true);
      else break;
      const start = (node as YamlNode | undefined)?.range?.[0];
      if (start === undefined) break;
      best = start;
    }
    return counter.linePos(best).line;
  };
  const errorAt = (path: YamlPath, message: string) => `${source}:${lineOf(path)}: ${pathText(path)}: ${message}`;
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol');
    throw new YamlInputError(errorAt(path, issue?.message ?? 'invalid'));
  }
  return { data: parsed.data as z.infer<S>, errorAt };
}

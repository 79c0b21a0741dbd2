import { MATCH_FIELDS, parseBig, parseUint, widthMax } from './fields.js';
import { PositionedError } from '../text/positioned-error.js';

/** What the flow, group and meter parsers share: options, errors, tokens and the checks of numbers and ports. */

export interface ParseOptions {
  /** File name or other origin, used in errors and in each rule's `source`. */
  readonly source: string;
  /** Logical port name -> OpenFlow port number (DUT and tunnel ports alike). Numbers are also accepted where ports go. */
  readonly ports: Readonly<Record<string, number>>;
}

export class FlowSyntaxError extends PositionedError {}

export interface Token {
  readonly text: string;
  /** 1-based column in the line. */
  readonly col: number;
}

/** Splits on commas (and, with `blanks`, white space) outside parentheses and brackets. */
export function split(text: string, startCol: number, blanks: boolean): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let cur = '';
  let curCol = startCol;
  for (let i = 0; i <= text.length; i += 1) {
    const ch = text[i];
    const sep = ch === undefined || (depth === 0 && (ch === ',' || (blanks && /\s/.test(ch))));
    if (sep) {
      if (cur.trim()) out.push({ text: cur.trim(), col: curCol + (cur.length - cur.trimStart().length) });
      cur = '';
      curCol = startCol + i + 1;
      continue;
    }
    if (ch === '(' || ch === '[') depth += 1;
    if (ch === ')' || ch === ']') depth -= 1;
    cur += ch;
  }
  return out;
}

export function keyValue(tok: string): [string, string | undefined] {
  const i = tok.search(/[=:]/);
  return i < 0 ? [tok, undefined] : [tok.slice(0, i), tok.slice(i + 1)];
}

/** OpenFlow 1.0 port numbers, as ovs-ofctl takes them in matches and actions. */
export const PORT_MAX = widthMax(MATCH_FIELDS.get('in_port')?.def.bits);

/** One line of input: where errors point, and the checks every parser makes of its values. */
export class LineContext {
  constructor(
    readonly o: ParseOptions,
    readonly lineNo: number,
  ) {}

  fail(col: number, reason: string): never {
    throw new FlowSyntaxError(this.o.source, this.lineNo, col, reason);
  }

  port(text: string, col: number, what: string): number {
    const n = this.o.ports[text] ?? parseUint(text);
    if (n === undefined) this.fail(col, `${what}: unknown port '${text}' (known: ${Object.keys(this.o.ports).join(', ') || 'none'})`);
    if (n > PORT_MAX) this.fail(col, `${what}: port ${text} is larger than ${PORT_MAX}`);
    return n;
  }

  uint(text: string | undefined, col: number, what: string, max: number, min = 0): number {
    const v = text === undefined ? undefined : parseUint(text);
    if (v === undefined) this.fail(col, `${what}: expected a number, got '${text ?? ''}'`);
    if (v > max) this.fail(col, `${what}: ${text} is larger than ${max}`);
    if (v < min) this.fail(col, `${what}: ${text} is smaller than ${min}`);
    return v;
  }

  /** A number of `bits` bits (64-bit ids, 128-bit labels), refused when wider. */
  big(text: string | undefined, col: number, what: string, bits: number): bigint {
    const v = text === undefined ? undefined : parseBig(text);
    if (v === undefined) this.fail(col, `${what}: expected a number, got '${text ?? ''}'`);
    if (v >> BigInt(bits) !== 0n) this.fail(col, `${what}: ${text} does not fit in ${bits} bits`);
    return v;
  }

  /** The text between `name(` and the closing `)` of `tok`, where it starts. */
  inner(tok: Token, name: string): Token {
    if (!tok.text.startsWith(`${name}(`) || !tok.text.endsWith(')')) this.fail(tok.col, `${name}: expected ${name}(...), got '${tok.text}'`);
    return { text: tok.text.slice(name.length + 1, -1), col: tok.col + name.length + 1 };
  }
}

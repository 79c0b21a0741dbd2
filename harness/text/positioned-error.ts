/** An error in a text input, located as `source:line:column: reason` (1-based line and column). */
export class PositionedError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}:${column}: ${reason}`);
    this.name = new.target.name;
  }
}

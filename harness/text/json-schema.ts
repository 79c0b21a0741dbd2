import type { z } from 'zod';

/** A JSON input that is not what it should be: one line naming the source and the field. */
export class JsonInputError extends Error {}

/**
 * Parses JSON text and validates it with a zod schema, so what a helper program, a tool or a
 * file hands over is checked where it enters, not trusted by a cast.
 */
export function parseJson<S extends z.ZodType>(schema: S, text: string, source: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new JsonInputError(`${source}: not JSON: ${(e as Error).message}`, { cause: e });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new JsonInputError(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as z.infer<S>;
}

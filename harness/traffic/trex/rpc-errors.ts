/** JSON-RPC error codes the TRex server returns (shared/reference/trex-stl-protocol.md). */
export const TREX_ERROR_CODES = {
  '-32700': 'parse error',
  '-32600': 'invalid request',
  '-32601': 'method not found',
  '-32602': 'invalid params',
  '-32603': 'internal error',
  '-32000': 'execution failed',
  '-32001': 'try again',
  '-32002': 'work in progress',
  '-32003': 'no results',
} as const;

/** A JSON-RPC error from the server: the method, the code and its meaning, and the server's words. */
export class TrexRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly serverMessage: string,
    readonly specific?: unknown,
  ) {
    const meaning = (TREX_ERROR_CODES as Record<string, string>)[String(code)] ?? 'unknown error code';
    const detail = typeof specific === 'string' && specific ? `: ${specific.split('\n').join(' ')}` : '';
    super(`TRex ${method}: ${code} ${meaning} (${serverMessage})${detail}`);
    this.name = 'TrexRpcError';
  }
}

/** The server did not answer in time, or the connection is gone. */
export class TrexTimeoutError extends Error {
  constructor(
    readonly method: string,
    readonly endpoint: string,
    readonly timeoutMs: number,
  ) {
    super(`TRex ${method}: no answer from ${endpoint} within ${timeoutMs} ms`);
    this.name = 'TrexTimeoutError';
  }
}

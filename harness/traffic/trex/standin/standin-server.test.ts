import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadTranscript } from '../replay-server.js';
import { recordedAnswer } from './standin-server.js';

const MAIN = loadTranscript(fileURLToPath(new URL('../../../../../harness/traffic/trex/fixtures/raw_rpc_transcript.jsonl', import.meta.url)));

describe('TRex stand-in answers', () => {
  it('give the reply recorded for the same method and parameters, with the request id', () => {
    const a = recordedAnswer(MAIN, { id: 'q1', method: 'get_port_stats', params: { port_id: 1, api_h: 'other' } }) as { id: string; result: { ipackets: number } };
    expect(a.id).to.equal('q1');
    expect(a.result.ipackets).to.be.a('number');
  });

  it('fall back to the first reply recorded for the method when the parameters differ', () => {
    const a = recordedAnswer(MAIN, { id: 'q2', method: 'add_stream', params: { port_id: 0, stream_id: 9, stream: {} } }) as { result: unknown };
    expect(a.result).to.deep.equal({});
  });

  it("answer a method never recorded as the server does: -32601", () => {
    expect(recordedAnswer(MAIN, { id: 'q3', method: 'shutdown', params: {} })).to.deep.equal({ jsonrpc: '2.0', id: 'q3', error: { code: -32601, message: 'Method shutdown not registered' } });
  });
});

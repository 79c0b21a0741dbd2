import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadTranscript } from '../replay-server.js';
import { StandinPorts } from './port-model.js';
import { recordedAnswer, recordedOwners, StandinRpc } from './standin-server.js';

const MAIN = loadTranscript(fileURLToPath(new URL('../../../../../harness/traffic/trex/fixtures/raw_rpc_transcript.jsonl', import.meta.url)));

describe('TRex stand-in answers', () => {
  it('give the reply recorded for the same method and parameters, with the request id', () => {
    const a = recordedAnswer(MAIN, { id: 'q1', method: 'get_port_stats', params: { port_id: 1, api_h: 'other' } }) as {
      id: string;
      result: { ipackets: number };
    };
    expect(a.id).to.equal('q1');
    expect(a.result.ipackets).to.be.a('number');
  });

  it('fall back to the first reply recorded for the method when the parameters differ', () => {
    const a = recordedAnswer(MAIN, { id: 'q2', method: 'add_stream', params: { port_id: 0, stream_id: 9, stream: {} } }) as { result: unknown };
    expect(a.result).to.deep.equal({});
  });

  it('answer a method never recorded as the server does: -32601', () => {
    expect(recordedAnswer(MAIN, { id: 'q3', method: 'shutdown', params: {} })).to.deep.equal({
      jsonrpc: '2.0',
      id: 'q3',
      error: { code: -32601, message: 'Method shutdown not registered' },
    });
  });

  it('keep the ports as that server had them: held by raw-client, link up, 10 Gb/s', () => {
    const rpc = new StandinRpc(MAIN, new StandinPorts(recordedOwners(MAIN), performance.now()));
    const st = rpc.answer({ id: 's', method: 'get_port_status', params: { port_id: 1, profile_id: '*', block: false } }) as {
      result: { owner: string; state: string; attr: { link: { up: boolean }; speed: number } };
    };
    expect(st.result).to.deep.include({ owner: 'raw-client', state: 'IDLE' });
    expect(st.result.attr).to.deep.include({ link: { up: true }, speed: 10 });
  });

  it('refuse a port another user holds unless forced, and owned calls without its handler', () => {
    const rpc = new StandinRpc(MAIN, new StandinPorts(recordedOwners(MAIN), performance.now()));
    const refused = rpc.answer({ id: 'a', method: 'acquire', params: { port_id: 0, user: 'me', session_id: 1, force: false } });
    expect(refused.error?.code).to.equal(-32000);
    const handler = rpc.answer({ id: 'b', method: 'acquire', params: { port_id: 0, user: 'me', session_id: 1, force: true } }).result;
    expect(handler).to.be.a('string');
    expect(rpc.answer({ id: 'c', method: 'remove_all_streams', params: { port_id: 0, handler: 'bogus' } }).error?.specific_err).to.equal(
      'please acquire the port before modifying port state',
    );
    expect(rpc.answer({ id: 'd', method: 'remove_all_streams', params: { port_id: 0, handler } }).result).to.deep.equal({});
    expect((rpc.answer({ id: 'e', method: 'get_owner', params: { port_id: 0 } }).result as { owner: string }).owner).to.equal('me');
  });
});

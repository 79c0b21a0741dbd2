import { expect } from 'chai';
import { parse } from 'yaml';
import { parseTrexAddress, renderTrexCfg } from './trex-cfg.js';

describe('TRex server configuration', () => {
  it('reads host[:port], the port defaulting to 4501, IPv6 in brackets', () => {
    expect(parseTrexAddress('trex1.lab', 'x')).to.deep.equal({ host: 'trex1.lab', port: 4501 });
    expect(parseTrexAddress('10.0.0.5:4601', 'x')).to.deep.equal({ host: '10.0.0.5', port: 4601 });
    expect(parseTrexAddress('[fd00::5]:4501', 'x')).to.deep.equal({ host: 'fd00::5', port: 4501 });
  });

  it('names a bad address and where it came from', () => {
    for (const bad of ['', 'host:', 'host:0', 'host:70000', 'a b', 'tcp://host:4501']) {
      expect(() => parseTrexAddress(bad, '--trex')).to.throw(`--trex: '${bad}' is not host[:port]`);
    }
  });

  it("renders trex_cfg.yaml from the lab's entry with the RPC and PUB ports dplab connects to", () => {
    const text = renderTrexCfg({
      image: 'trex',
      rpcPort: 4601,
      cfg: { interfaces: ['0000:3b:00.0', '0000:3b:00.1'], c: 4, port_info: [{ dest_mac: '3c:fd:fe:00:00:01' }, { dest_mac: '3c:fd:fe:00:00:02' }] },
    });
    expect(parse(text)).to.deep.equal([
      {
        version: 2,
        port_limit: 2,
        interfaces: ['0000:3b:00.0', '0000:3b:00.1'],
        c: 4,
        port_info: [{ dest_mac: '3c:fd:fe:00:00:01' }, { dest_mac: '3c:fd:fe:00:00:02' }],
        zmq_rpc_port: 4601,
        zmq_pub_port: 4600,
      },
    ]);
  });
});

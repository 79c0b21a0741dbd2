import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Publisher } from 'zeromq';
import { AsyncChannel, parseAsyncMessage } from './async-channel.js';
import { compress } from './framing.js';

// What the v3.08 server publishes (shared/reference/trex-stl-protocol.md): trex-global, compressed
// because it is over 256 bytes, with per-port keys suffixed by the port id; `{}` plain.
const GLOBAL = JSON.stringify({
  name: 'trex-global',
  type: 0,
  data: {
    m_cpu_util: 1.5,
    m_tx_pps: 94954.9,
    m_rx_pps: 94950.1,
    'opackets-0': 500001,
    'ipackets-1': 499990,
    m_total_tx_pkts: 500001,
    m_total_rx_pkts: 499990,
    m_tx_bps: 48616900.0,
    m_rx_bps: 48612000.0,
    m_total_queue_full: 0,
    'opackets-1': 0,
    'ipackets-0': 0,
    m_active_flows: 0,
    m_rx_drop_bps: 0,
  },
});

describe('TRex async channel (real ZeroMQ PUB/SUB on loopback)', () => {
  it('reads compressed trex-global stats and the events-queued marker', async () => {
    expect(Buffer.byteLength(GLOBAL)).to.be.greaterThan(256);
    expect(parseAsyncMessage(compress(GLOBAL))).to.deep.include({ kind: 'global' });
    expect(parseAsyncMessage(Buffer.from('{}'))).to.deep.equal({ kind: 'events-queued' });
    const pub = new Publisher({ linger: 0 });
    await pub.bind('tcp://127.0.0.1:*');
    const ch = new AsyncChannel(pub.lastEndpoint as string);
    try {
      // A SUB socket misses what was published before it joined: publish until it has seen one.
      for (let i = 0; i < 50 && !ch.globalStats(); i += 1) {
        await pub.send(compress(GLOBAL));
        await pub.send('{}');
        await sleep(20);
      }
      expect(ch.globalStats()?.['opackets-0']).to.equal(500001);
      expect(ch.takeEventsQueued()).to.equal(true);
      expect(ch.takeEventsQueued()).to.equal(false);
    } finally {
      await ch.close();
      pub.close();
    }
  });
});

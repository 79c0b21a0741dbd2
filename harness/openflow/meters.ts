import type { OfMeter, OfMeterBand } from './rule.js';
import { keyValue, LineContext, split, type ParseOptions } from './syntax.js';

/**
 * Reads meters in ovs-ofctl(8) "Meter Syntax", one a line:
 * `meter=N,kbps|pktps[,burst][,stats],bands=type=drop,rate=R[,burst_size=B][,type=drop,...]`.
 * Meters are OpenFlow 1.3: `ovs-ofctl -O OpenFlow13 add-meter`.
 */

/** OFPM_MAX: meter ids above it are OpenFlow's virtual meters. */
const METER_MAX = 0xffff0000;

class MeterParser extends LineContext {
  parse(line: string): OfMeter {
    const tokens = split(line, 1, true);
    let meterId: number | undefined;
    let unit: OfMeter['unit'] | undefined;
    let burst = false;
    let stats = false;
    const bands: { band: Partial<{ -readonly [K in keyof OfMeterBand]: OfMeterBand[K] }>; col: number }[] = [];
    let inBands = false;
    for (const t of tokens) {
      let text = t.text;
      let col = t.col;
      if (text.startsWith('bands=')) {
        inBands = true;
        text = text.slice(6);
        col += 6;
      }
      const [key, value = ''] = keyValue(text);
      const at = col + key.length + 1;
      if (inBands) {
        if (key === 'type') {
          if (value !== 'drop') this.fail(at, `band type: only drop is supported (ovs-ofctl(8)), got '${value}'`);
          bands.push({ band: { type: 'drop' }, col });
          continue;
        }
        const band = bands[bands.length - 1];
        if (!band) this.fail(col, `a band starts with type=drop, got '${text}'`);
        if (key === 'rate') band.band.rate = this.uint(value, at, 'rate', 0xffffffff, 1);
        else if (key === 'burst_size') band.band.burstSize = this.uint(value, at, 'burst_size', 0xffffffff);
        else this.fail(col, `unknown band field '${key}' (known: type, rate, burst_size)`);
        continue;
      }
      if (key === 'meter') meterId = this.uint(value, at, 'meter', METER_MAX, 1);
      else if ((text === 'kbps' || text === 'pktps') && unit === undefined) unit = text;
      else if (text === 'kbps' || text === 'pktps') this.fail(col, 'give one unit, kbps or pktps');
      else if (text === 'burst') burst = true;
      else if (text === 'stats') stats = true;
      else this.fail(col, `unknown meter field '${key}' (known: meter, kbps, pktps, burst, stats, bands)`);
    }
    if (meterId === undefined) this.fail(1, 'meter=N is required');
    if (unit === undefined) this.fail(1, 'a unit is required: kbps or pktps');
    if (bands.length === 0) this.fail(line.length + 1, 'a meter needs at least one band: bands=type=drop,rate=N');
    return {
      meterId,
      unit,
      burst,
      stats,
      bands: bands.map(({ band, col }) => {
        if (band.rate === undefined) this.fail(col, 'band: rate=N is required');
        // Without `burst` the switch picks the burst itself and ignores burst_size.
        if (band.burstSize !== undefined && !burst) this.fail(col, "band: burst_size needs the meter's 'burst' flag");
        return { type: 'drop', rate: band.rate, ...(band.burstSize !== undefined ? { burstSize: band.burstSize } : {}) };
      }),
      source: `${this.o.source}:${this.lineNo}`,
    };
  }
}

/** Parses a meter file or snippet. Throws FlowSyntaxError at the first problem. */
export function parseOfctlMeters(text: string, o: ParseOptions): OfMeter[] {
  const meters: OfMeter[] = [];
  text.split('\n').forEach((line, i) => {
    const body = line.replace(/#.*$/, '').trimEnd();
    if (body.trim()) meters.push(new MeterParser(o, i + 1).parse(body));
  });
  return meters;
}

// drop (UDP): lose datagrams independently (rate), or in bursts (Gilbert-Elliott, as netem's gemodel).
import { Type, type Static } from '@sinclair/typebox';
import { defineFault, faultOptions, type OptionProblem } from '../definition.ts';
import { pass, type DatagramContext, type DatagramFault } from './contract.ts';

const share = (description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: 1, description }));

const schema = faultOptions(
  'Lose datagrams: each with probability `rate`; in bursts with `rate` + `mean_burst`; or with ' +
    '`model: gilbert-elliott` and netem gemodel parameters p, r, h, k.',
  {
    rate: share('Share of datagrams lost (long-run loss rate when mean_burst is given).'),
    mean_burst: Type.Optional(
      Type.Number({ minimum: 1, description: 'Mean length of a run of lost datagrams (simple Gilbert model).' }),
    ),
    model: Type.Optional(Type.Literal('gilbert-elliott', { description: 'Two-state loss model, netem gemodel semantics.' })),
    p: share('Gilbert-Elliott: probability of moving from the good to the bad state.'),
    r: share('Gilbert-Elliott: probability of moving from the bad to the good state (default 1 - p).'),
    h: share('Gilbert-Elliott: probability a datagram is delivered in the bad state (default 0).'),
    k: share('Gilbert-Elliott: probability a datagram is delivered in the good state (default 1).'),
  },
);

type DropOptions = Static<typeof schema>;

/** The two-state chain every form of the option reduces to (Bernoulli: one state, p = 0). */
export interface LossParameters {
  /** P(good → bad) per datagram. */
  p: number;
  /** P(bad → good) per datagram. */
  r: number;
  /** Loss probability in the good state (1 - k). */
  lossGood: number;
  /** Loss probability in the bad state (1 - h). */
  lossBad: number;
}

/**
 * Reduce the options to chain parameters. `rate` + `mean_burst` is the simple Gilbert model
 * (no loss in good, all lost in bad) with r = 1/mean_burst and p = rate·r/(1−rate), which makes
 * the long-run loss rate p/(p+r) equal `rate` and the mean loss burst 1/r equal `mean_burst`.
 */
export function lossParameters(o: DropOptions): LossParameters {
  if (o.model === 'gilbert-elliott') {
    const p = o.p ?? 0;
    return { p, r: o.r ?? 1 - p, lossGood: 1 - (o.k ?? 1), lossBad: 1 - (o.h ?? 0) };
  }
  const rate = o.rate ?? 0;
  if (o.mean_burst === undefined) return { p: 0, r: 1, lossGood: rate, lossBad: rate };
  const r = 1 / o.mean_burst;
  return { p: rate >= 1 ? 1 : (rate * r) / (1 - rate), r, lossGood: 0, lossBad: 1 };
}

const GE_KEYS = ['p', 'r', 'h', 'k'] as const;

function check(o: DropOptions): OptionProblem | undefined {
  if (o.model === 'gilbert-elliott') {
    for (const key of ['rate', 'mean_burst'] as const) {
      if (o[key] !== undefined) return { key, expected: 'no rate/mean_burst with model: gilbert-elliott (use p, r, h, k)', found: String(o[key]) };
    }
    if (o.p === undefined) return { key: 'p', expected: 'p, the probability of good → bad, with model: gilbert-elliott', found: 'nothing' };
    const { p, r } = lossParameters(o);
    if (p + r === 0) return { key: 'r', expected: 'p and r not both 0', found: '0' };
    return undefined;
  }
  for (const key of GE_KEYS) {
    if (o[key] !== undefined) return { key, expected: 'this key only with model: gilbert-elliott', found: String(o[key]) };
  }
  if (o.rate === undefined) return { key: 'rate', expected: 'rate (with optional mean_burst), or model: gilbert-elliott', found: 'nothing' };
  if (o.mean_burst !== undefined) {
    if (o.rate >= 1) return { key: 'rate', expected: 'below 1 with mean_burst', found: String(o.rate) };
    const { p } = lossParameters(o);
    if (p > 1) {
      // p = rate·r/(1−rate) must be a probability: short bursts cannot make a high loss rate.
      const least = o.rate / (1 - o.rate);
      return { key: 'mean_burst', expected: `at least ${least.toFixed(3)} for rate ${o.rate}`, found: String(o.mean_burst) };
    }
  }
  return undefined;
}

/**
 * The loss process as netem runs it: the loss of a datagram is drawn in the state the chain is
 * in when it arrives, and the chain then moves. Two draws per datagram, always, so the n-th
 * datagram's fate depends only on the seed and n.
 */
export function lossProcess(params: LossParameters, next: () => number): () => boolean {
  let bad = false;
  return () => {
    const move = next() < (bad ? params.r : params.p);
    const lost = next() < (bad ? params.lossBad : params.lossGood);
    if (move) bad = !bad;
    return lost;
  };
}

export const drop = defineFault({
  schema,
  check,
  create(o, ctx: DatagramContext): DatagramFault {
    const lost = lossProcess(lossParameters(o), () => ctx.rng.next());
    const note = o.model ? `drop (${o.model})` : o.mean_burst !== undefined ? 'drop (burst)' : 'drop';
    return {
      process(datagram) {
        if (!lost()) return pass(datagram);
        ctx.discard(datagram, note);
        return [];
      },
    };
  },
});

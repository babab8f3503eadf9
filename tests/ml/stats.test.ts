/** Wilson score interval and mean. */
import { mean, wilsonInterval } from '../../src/eval/stats';

describe('wilsonInterval', () => {
  it('matches known values', () => {
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.4038, 4);
    expect(hi).toBeCloseTo(0.5962, 4);
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
    const [lo9, hi9] = wilsonInterval(90, 100);
    expect(lo9).toBeCloseTo(0.8256, 4);
    expect(hi9).toBeCloseTo(0.9448, 4);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(1, 0)).toThrow(/n must be > 0/);
    expect(() => wilsonInterval(11, 10)).toThrow(/outside/);
  });
});

describe('mean', () => {
  it('averages and refuses an empty list', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(() => mean([])).toThrow(/empty/);
  });
});

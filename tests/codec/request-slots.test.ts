/** RequestSlots: at most N holders, the rest served in arrival order as slots come back. */
import { RequestSlots } from '../../src/codec/request-slots';

test('a holder past the size waits until a slot is given back; giving back twice frees one slot', async () => {
  const slots = new RequestSlots(2);
  const order: string[] = [];
  const a = await slots.acquire();
  const b = await slots.acquire();
  const c = slots.acquire().then((release) => (order.push('c'), release));
  const d = slots.acquire().then((release) => (order.push('d'), release));
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([]);
  a();
  a(); // a second call must not free a slot it no longer holds
  await c;
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual(['c']);
  b();
  (await d)();
  (await c)();
  // All four given back: two can be held at once again, not more.
  await slots.acquire();
  await slots.acquire();
  let third = false;
  void slots.acquire().then(() => (third = true));
  await new Promise((r) => setImmediate(r));
  expect(third).toBe(false);
  expect(() => new RequestSlots(0)).toThrow('slots must be a positive integer');
});

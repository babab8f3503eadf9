import { demoSftCorpus } from '../../src/demo/world';
import { initPolicy } from '../../src/models/policy';
import { Vocab } from '../../src/models/vocab';
import { encodeSft, trainSft } from '../../src/policy/sft';
it('bench', async () => {
  let t = performance.now();
  let s = 0;
  for (let i = 0; i < 3e6; i++) s += Math.exp(i * 1e-7);
  console.log('math loop', performance.now() - t, s);
  t = performance.now();
  const p = initPolicy(Vocab.demo(), 10);
  await trainSft(p, encodeSft(p, demoSftCorpus(1, 2000)), { epochs: 2, lr: 0.05, batchSize: 64, seed: 1 });
  console.log('sft 2 epochs', performance.now() - t);
});

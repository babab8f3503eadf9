/** The onnxruntime worker thread: holds the sessions and runs them on request (see ort.ts). */
import * as ort from 'onnxruntime-node';
import { parentPort } from 'worker_threads';
import type { Fetched, InputSpec, OrtReply, OrtRequest } from './ort';

/**
 * One intra-op thread per session: the graphs are tiny, so thread hand-off costs more than it
 * saves, and the worker shares two cores with the training loop.
 */
const OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

const sessions = new Map<number, ort.InferenceSession>();
let nextSession = 1;

function inputSpecs(s: ort.InferenceSession): InputSpec[] {
  return s.inputMetadata.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, shape: [] },
  );
}

async function handle(req: OrtRequest): Promise<OrtReply> {
  switch (req.op) {
    case 'open': {
      const s = await ort.InferenceSession.create(req.bytes, OPTIONS);
      const id = nextSession++;
      sessions.set(id, s);
      return { id: req.id, ok: true, session: id, inputs: inputSpecs(s) };
    }
    case 'run': {
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no open session ${req.session}`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(req.feeds)) feeds[name] = new ort.Tensor(f.type, f.data, f.dims);
      const out = await s.run(feeds);
      const outputs: Record<string, Fetched> = {};
      for (const [name, t] of Object.entries(out))
        outputs[name] = { type: t.type, data: t.data as Fetched['data'], dims: [...t.dims] };
      return { id: req.id, ok: true, outputs };
    }
    case 'release': {
      const s = sessions.get(req.session);
      sessions.delete(req.session);
      if (s) await s.release();
      return { id: req.id, ok: true };
    }
  }
}

const port = parentPort;
if (!port) throw new Error('ort-worker must run as a worker thread');
port.on('message', (req: OrtRequest) => {
  handle(req).then(
    (reply) => port.postMessage(reply),
    (err: unknown) =>
      port.postMessage({
        id: req.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } as OrtReply),
  );
});

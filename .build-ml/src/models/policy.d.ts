/** The embedded policy: a small autoregressive log-linear LM (parameters, log-probs, sampling, ONNX). */
export * from './policy-params';
export * from './policy-logprob';
export * from './policy-sample';
export * from './policy-onnx';

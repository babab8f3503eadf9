/** The messages of an error and its causes, outermost first: what a person reading a failed run sees. */
export function failureChain(error: unknown): string {
  const chain: string[] = [];
  for (let e = error as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    chain.push(String(e.message));
  return chain.join(' <- ');
}

/**
 * Secret values this process knows (endpoint keys, the codec key, variables passed to trainers),
 * removed from every error message and log line it sends out: errors become workflow history,
 * which everyone with namespace access can read, and logs are shipped to places keys are not.
 */

const secrets = new Set<string>();
/** Shorter values would redact ordinary words; no real key is this short. */
const MIN_SECRET_LENGTH = 8;

/** Adds a value to redact from now on (ignored when empty or too short to be a key). */
export function registerSecret(value: string | undefined): void {
  const v = value?.trim();
  if (v && v.length >= MIN_SECRET_LENGTH) secrets.add(v);
}

/** Registers the values of these environment variables. */
export function registerSecretVariables(names: Iterable<string>, env: NodeJS.ProcessEnv = process.env): void {
  for (const name of names) registerSecret(env[name]);
}

/** `text` with every registered secret replaced by "[redacted]". */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/** Redacts an error's message and stack in place, along its `cause` chain; returns it. */
export function redactError<T>(err: T): T {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e instanceof Error && !seen.has(e)) {
    seen.add(e);
    e.message = redactSecrets(e.message);
    if (e.stack) e.stack = redactSecrets(e.stack);
    e = (e as { cause?: unknown }).cause;
  }
  return err;
}

/** Forgets every registered value (tests). */
export function clearSecrets(): void {
  secrets.clear();
}

/** Reading request parameters the way the OpenAI API validates them: wrong types and ranges are 400s. */
import { invalidParam, missingParam } from './api-error';

/** A parsed JSON request body. */
export type Body = Record<string, unknown>;

/** An optional number in [min, max]; null and absent are undefined. */
export function optNumber(body: Body, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalidParam(name, `Invalid type for '${name}': expected a number, but got ${describe(v)}.`);
  if (v < min || v > max)
    throw invalidParam(name, `Invalid '${name}': ${v} is outside the allowed range [${min}, ${max}].`);
  return v;
}

/** An optional integer in [min, max]; null and absent are undefined. */
export function optInt(body: Body, name: string, min: number, max: number): number | undefined {
  const v = optNumber(body, name, -Infinity, Infinity);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v))
    throw invalidParam(name, `Invalid type for '${name}': expected an integer, but got ${v}.`);
  if (v < min || v > max)
    throw invalidParam(name, `Invalid '${name}': ${v} is outside the allowed range [${min}, ${max}].`);
  return v;
}

/** An optional boolean; null and absent are undefined. */
export function optBool(body: Body, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw invalidParam(name, `Invalid type for '${name}': expected a boolean, but got ${describe(v)}.`);
  return v;
}

/** The required `model` string. */
export function modelParam(body: Body): string {
  const v = body.model;
  if (v === undefined || v === null) throw missingParam('model');
  if (typeof v !== 'string' || v === '')
    throw invalidParam('model', `Invalid type for 'model': expected a string, but got ${describe(v)}.`);
  return v;
}

/** `stop`: a string or up to 4 non-empty strings. */
export function stopParam(body: Body): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string'))
    throw invalidParam('stop', `Invalid type for 'stop': expected a string or an array of strings.`);
  if (list.length > 4) throw invalidParam('stop', `Invalid 'stop': at most 4 stop sequences are allowed.`);
  return (list as string[]).filter((s) => s !== '');
}

/** A short description of a JSON value's type for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultTemplatesDir,
  loadTemplate,
  loadTemplates,
  renderPairwise,
  renderScore,
  renderTemplate,
} from '../../../src/judges/prompt/templates';

describe('judge templates', () => {
  const t = loadTemplates();

  test('the built-in files are found from the package root', () => {
    expect(fs.existsSync(path.join(defaultTemplatesDir(), 'pairwise.txt'))).toBe(true);
  });

  test('pairwise layout: preamble, Prompt:, Response 1:, Response 2:, ending Preferred Response=', () => {
    const text = renderPairwise(t.pairwise, {
      prompt: 'describe the ocean',
      first: 'waves tide',
      second: 'sand',
    });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^You are an expert rater/);
    const at = (marker: string): number => lines.indexOf(marker);
    expect(at('Prompt:')).toBeGreaterThan(0);
    expect(lines[at('Prompt:') + 1]).toBe('describe the ocean');
    expect(lines[at('Response 1:') - 1]).toBe('');
    expect(lines[at('Response 1:') + 1]).toBe('waves tide');
    expect(lines[at('Response 2:') + 1]).toBe('sand');
    expect(at('Prompt:')).toBeLessThan(at('Response 1:'));
    expect(at('Response 1:')).toBeLessThan(at('Response 2:'));
    expect(text.endsWith('\nPreferred Response=')).toBe(true);
    expect(text).not.toMatch(/\{(prompt|response1|response2|principle|exemplars|preamble)\}/);
  });

  test('principle slot and few-shot exemplars', () => {
    const text = renderPairwise(t.pairwise, {
      prompt: 'p',
      first: 'x',
      second: 'y',
      principle: 'Choose the less harmful response.',
      exemplars: [{ prompt: 'ex prompt', response1: 'good', response2: 'bad', preferred: 1 }],
    });
    expect(text).toContain('Above all, apply this principle: Choose the less harmful response.');
    expect(text.indexOf('ex prompt')).toBeLessThan(text.lastIndexOf('Prompt:'));
    expect(text).toContain('Preferred Response=1\n\nPrompt:\np');
    const none = renderPairwise(t.pairwise, { prompt: 'p', first: 'x', second: 'y' });
    expect(none).not.toContain('principle');
  });

  test('chain of thought: step 1 ends with Rationale:, step 2 appends it and asks for the preference', () => {
    const parts = { prompt: 'p', first: 'x', second: 'y' };
    const step1 = renderPairwise(t.rationale, parts);
    expect(step1.endsWith('\nRationale:')).toBe(true);
    const step2 = renderPairwise(t.pairwiseCot, { ...parts, rationale: 'Response 2 is on topic.' });
    expect(step2).toContain('Rationale:\nResponse 2 is on topic.\n\nPreferred Response=');
    expect(step2.endsWith('Preferred Response=')).toBe(true);
  });

  test('scoring layout: Prompt:, Response: alone, ending Rating=', () => {
    const text = renderScore(t.score, { prompt: 'describe the moon', response: 'craters glow' });
    const lines = text.split('\n');
    expect(lines[lines.indexOf('Response:') + 1]).toBe('craters glow');
    expect(lines).not.toContain('Response 1:');
    expect(text).toMatch(/1 to 10/);
    expect(text.endsWith('\nRating=')).toBe(true);
  });

  test('substitution is one pass: placeholders inside responses stay literal', () => {
    expect(renderTemplate('{response1}|{response2}', { response1: '{response2}', response2: 'B' })).toBe(
      '{response2}|B',
    );
    expect(renderTemplate('{"json": {unknown}}', {})).toBe('{"json": {unknown}}');
  });

  test('a replacement file must have the placeholders of its role', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    const good = path.join(dir, 'mine.txt');
    fs.writeFileSync(
      good,
      'Prompt: {prompt}\n\nResponse 1:\n{response1}\n\nResponse 2:\n{response2}\n\nPreferred Response=',
    );
    expect(loadTemplates({ pairwise: good }).pairwise).toContain('Prompt: {prompt}');
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, 'Prompt: {prompt}\nResponse: {response}');
    expect(() => loadTemplate('pairwise', bad)).toThrow(/lacks \{response1\}, \{response2\}/);
    expect(() => loadTemplate('score', path.join(dir, 'missing.txt'))).toThrow(/cannot read/);
  });
});

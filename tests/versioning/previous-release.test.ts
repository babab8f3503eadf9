/** The previous release comes from git; a commit missing from the clone fails, never skips. */
import fs from 'node:fs';
import path from 'node:path';
import { extractRelease, PREVIOUS_RELEASE } from './previous-release';

test('the pinned previous release extracts with its workflows and the sources they import', () => {
  const release = extractRelease();
  try {
    expect(release.commit).toBe(PREVIOUS_RELEASE);
    for (const file of ['workflows/index.ts', 'workflows/round.ts', 'src/config/parse.ts'])
      expect(fs.existsSync(path.join(release.dir, file))).toBe(true);
    // Only what a workflow bundle needs: the activities are the current ones.
    expect(fs.existsSync(path.join(release.dir, 'activities'))).toBe(false);
  } finally {
    release.remove();
  }
  expect(fs.existsSync(release.dir)).toBe(false);
});

test('a commit that is not in the clone fails loudly, saying how to get the history', () => {
  const missing = 'f'.repeat(40);
  expect(() => extractRelease(missing)).toThrow(
    new RegExp(`previous release ${missing} is not in .*shallow clone: (true|false).*git fetch --unshallow`),
  );
});

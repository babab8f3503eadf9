/** The prebuilt workflow bundle: used while its sources are unchanged, else bundled at start with a note. */
import fs from 'node:fs';
import path from 'node:path';
import {
  buildWorkflowBundles,
  prebuiltWorkflowBundle,
  workflowBundleFor,
} from '../../src/bundle/workflow-bundle';

jest.setTimeout(180_000);

describe('prebuilt workflow bundle', () => {
  let dir: string;
  let workflowsPath: string;
  let bundleDir: string;

  beforeAll(async () => {
    // Inside the project, so that webpack resolves @temporalio/workflow from its node_modules.
    dir = fs.mkdtempSync(path.join(__dirname, 'tmp-bundle-'));
    workflowsPath = path.join(dir, 'workflows.js');
    fs.writeFileSync(path.join(dir, 'helper.js'), "exports.greeting = 'hello from the prebuilt bundle';\n");
    fs.writeFileSync(
      workflowsPath,
      "const { greeting } = require('./helper');\nexports.tiny = async function tiny() { return greeting; };\n",
    );
    bundleDir = path.join(dir, 'bundle');
    await buildWorkflowBundles({ dir: bundleDir, workflowsPath }, ['plain']);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is used while every file it was built from is unchanged', () => {
    const found = prebuiltWorkflowBundle('plain', bundleDir);
    expect(found).toEqual({ codePath: path.join(bundleDir, 'plain.js') });
    const code = fs.readFileSync(path.join(bundleDir, 'plain.js'), 'utf8');
    expect(code).toContain('hello from the prebuilt bundle');
    const manifest = JSON.parse(fs.readFileSync(path.join(bundleDir, 'plain.json'), 'utf8'));
    // The module the workflows import is a source too, and so is the SDK's workflow runtime.
    expect(manifest.files).toContain(path.join(dir, 'helper.js'));
    expect(manifest.files.some((f: string) => f.includes(`@temporalio${path.sep}workflow`))).toBe(true);
  });

  it('is stale when a module the workflows import changes, and a worker bundles at start saying so', async () => {
    const helper = path.join(dir, 'helper.js');
    const before = fs.readFileSync(helper, 'utf8');
    fs.writeFileSync(helper, "exports.greeting = 'hello from the new code';\n");
    try {
      expect(prebuiltWorkflowBundle('plain', bundleDir)).toEqual({
        unusable: 'the workflow code (or a module it imports) changed since the bundle was built',
      });
      const { bundle, note } = await workflowBundleFor('plain', { dir: bundleDir, workflowsPath });
      expect(note).toMatch(/changed since the bundle was built; bundled the workflows at start instead/);
      expect((bundle as { code: string }).code).toContain('hello from the new code');
    } finally {
      fs.writeFileSync(helper, before);
    }
    expect(prebuiltWorkflowBundle('plain', bundleDir)).toHaveProperty('codePath');
  });

  it('says which file is gone, and when there is no bundle at all', () => {
    expect(prebuiltWorkflowBundle('codec', bundleDir)).toEqual({
      unusable: `there is no prebuilt workflow bundle in ${bundleDir}`,
    });
    const helper = path.join(dir, 'helper.js');
    fs.renameSync(helper, `${helper}.away`);
    try {
      expect(prebuiltWorkflowBundle('plain', bundleDir)).toEqual({
        unusable: `${helper}, which the prebuilt bundle holds, is gone`,
      });
    } finally {
      fs.renameSync(`${helper}.away`, helper);
    }
  });
});

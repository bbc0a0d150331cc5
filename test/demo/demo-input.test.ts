import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { DEMO_PLAN, demoPlanText } from '../../src/demo/demo-plan.js';
import { cli } from '../support/cli.js';

const at = {
  proxy: 'http://127.0.0.1:40001',
  proxyAdmin: 'http://127.0.0.1:40002',
  newApp: 'http://127.0.0.1:40003',
  replication: 'http://127.0.0.1:40004',
  dir: '/tmp/demo-x',
};

describe('the demo plan', () => {
  const text = readFileSync(DEMO_PLAN, 'utf8');
  const catalog = builtinActions().catalog(ACTION_TYPES);

  it('validates without errors or warnings, as shipped and as the demo rewrites it', () => {
    for (const t of [text, demoPlanText(text, at)]) {
      const { plan, issues } = loadPlan(t, { actions: catalog });
      expect(issues.map((i) => i.message)).toEqual([]);
      expect(plan?.name).toBe('shop-demo');
    }
  });

  it('the rewritten plan points at the demo parts only: no default address is left', () => {
    const rewritten = demoPlanText(text, at);
    expect(rewritten).not.toMatch(/127\.0\.0\.1:808\d/);
    expect(rewritten).not.toMatch(/[' :]\.\//);
    expect(rewritten).toContain("admin: 'http://127.0.0.1:40002'");
    expect(rewritten).toContain("url: 'sqlite:/tmp/demo-x/legacy.db'");
  });

  it('refuses a plan that lost one of the addresses the demo rewrites, naming it', () => {
    const edited = text.replaceAll("'http://127.0.0.1:8084", "'http://127.0.0.1:9999");
    expect(() => demoPlanText(edited, at)).toThrow(
      "the demo plan no longer holds 'http://127.0.0.1:8084: the demo cannot point it at its parts",
    );
  });
});

describe('tminus demo: bad flags are usage errors that name the value', () => {
  it.each([
    [
      ['--fault', 'meteor'],
      "--fault: 'meteor' is not a fault the demo knows",
      'one of error-spike, data-drift, slow-task',
    ],
    [['--speed', '0'], "--speed: '0' is not a speed-up factor", 'a number from 1 to 600'],
    [['--speed', 'fast'], "--speed: 'fast' is not a speed-up factor", 'a number from 1 to 600'],
    [['--port', '70000'], "--port: '70000' is not a port number", '0–65535'],
  ])('%j', async (args, message, hint) => {
    const r = await cli(['demo', '--headless', ...args], { cwd: '/tmp' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(hint);
    expect(r.stdout).not.toContain('legacy shop');
  });
});

import { describe, expect, it } from 'vitest';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';

const plan = (channels: string) => `version: 1
name: channels
roles:
  lead: { members: [alice] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, title: Flip, owner: lead }
channels:
${channels}
`;

const errors = (text: string) =>
  loadPlan(text, { actions: builtinActions().catalog(ACTION_TYPES) }).issues.filter(
    (i) => i.severity === 'error',
  );

describe("the plan's run channels (channels:)", () => {
  it('accepts notify channel entries', () => {
    expect(
      errors(
        plan(
          "  - { type: webhook, url: '${env:HOOK}', testUrl: 'http://127.0.0.1:8080/test' }\n  - { type: log }",
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a bad entry with its position, the bad value and what is allowed', () => {
    const found = errors(plan('  - { type: log }\n  - { type: pager, url: x }\n  - { type: webhook }'));
    expect(found.map((i) => [i.code, i.position?.line])).toEqual([
      ['bad-channel', 12],
      ['bad-channel', 13],
    ]);
    expect(found[0]?.message).toContain("got 'pager'");
    expect(found[1]?.message).toContain('give url (or connection) for the live target');
  });
});

describe('rollback criterion ids', () => {
  it("refuses a criterion named 'success', which `tminus declare success` could not reach", () => {
    const text = `version: 1
name: reserved
roles:
  lead: { members: [alice] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, title: Flip, owner: lead }
rollback:
  criteria:
    - { id: success, title: Success rate below 99 %, when: manual }
`;
    const found = errors(text);
    expect(found.map((i) => [i.code, i.position?.line])).toEqual([['reserved-criterion-id', 12]]);
    expect(found[0]?.message).toContain("criterion id 'success' is reserved");
  });
});

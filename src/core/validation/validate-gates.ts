import type { Issue } from './issue.js';
import { error } from './issue.js';
import type { Plan } from '../plan/plan.js';
import { didYouMeanHint } from '../did-you-mean.js';

/**
 * Gates that could never pass: no voters, a quorum larger than the people who can vote, voter roles with no
 * members under quorum all, and `requires:` naming nothing known.
 */
export function validateGates(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  const categories = new Set(plan.checklist.map((c) => c.category));
  const steps = new Set([...plan.checklist.map((c) => c.id), ...plan.tasks.map((t) => t.id)]);
  for (const t of plan.tasks) {
    const gate = t.gate;
    if (!gate) continue;
    if (gate.voters.length === 0) {
      issues.push(
        error('gate-without-voters', t.path, `gate '${t.id}' has no voters`, 'add voters: [ROLE, ...]'),
      );
      continue;
    }
    const voters = new Set(gate.voters.flatMap((r) => plan.roles[r]?.members ?? []));
    const emptyRoles = gate.voters.filter((r) => plan.roles[r] && plan.roles[r].members.length === 0);
    if (gate.quorum === 'all' && emptyRoles.length > 0) {
      issues.push(
        error(
          'impossible-quorum',
          [...t.path, 'voters'],
          `gate '${t.id}' needs every voter role but ${emptyRoles.map((r) => `'${r}'`).join(', ')} has no members`,
        ),
      );
    }
    if (typeof gate.quorum === 'number' && gate.quorum > voters.size) {
      issues.push(
        error(
          'impossible-quorum',
          [...t.path, 'quorum'],
          `gate '${t.id}' needs ${gate.quorum} votes but only ${voters.size} people can vote`,
        ),
      );
    }
    if (voters.size === 0 && gate.voters.every((r) => plan.roles[r])) {
      issues.push(
        error(
          'impossible-quorum',
          [...t.path, 'voters'],
          `nobody can vote on gate '${t.id}': its voter roles have no members`,
        ),
      );
    }
    gate.requires.forEach((req, i) => {
      const path = [...t.path, 'requires', i];
      if (req === 'checklist') {
        if (plan.checklist.length === 0) {
          issues.push(
            error('unknown-requirement', path, `gate '${t.id}' requires the checklist but the plan has none`),
          );
        }
      } else if (req.startsWith('checklist.')) {
        const category = req.slice('checklist.'.length);
        if (!categories.has(category)) {
          issues.push(
            error(
              'unknown-requirement',
              path,
              `unknown checklist category '${category}'`,
              didYouMeanHint(category, categories),
            ),
          );
        }
      } else if (!steps.has(req)) {
        issues.push(
          error(
            'unknown-requirement',
            path,
            `unknown requirement '${req}'`,
            didYouMeanHint(req, [...steps, 'checklist']) ??
              "use 'checklist', 'checklist.CATEGORY' or a checklist item or task id",
          ),
        );
      }
    });
  }
  return issues;
}

/**
 * A generated plan of `taskCount` tasks over `phaseCount` phases with a random-but-seeded dependency graph
 * (each task depends on up to three earlier tasks of its own or an earlier phase), for scale tests and the
 * validate+plan benchmark.
 */
export function generatePlan(taskCount: number, phaseCount = 10, seed = 1): string {
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: deterministic, so a failing case can be replayed.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const lines = [
    'version: 1',
    'name: generated',
    'goLive: 2026-12-05T02:00:00Z',
    `window: { start: T-${phaseCount + 1}h, end: T+${phaseCount * 24}h }`,
    'roles:',
    '  ops: { members: [alice, bob] }',
    '  dba: { members: [carol] }',
    'phases:',
  ];
  const perPhase = Math.ceil(taskCount / phaseCount);
  let made = 0;
  for (let p = 0; p < phaseCount && made < taskCount; p++) {
    lines.push(`  - id: phase-${p}`, `    at: T-${phaseCount - p}h`, '    tasks:');
    const phaseFirst = made;
    for (let i = 0; i < perPhase && made < taskCount; i++, made++) {
      const deps = new Set<number>();
      const localCount = made - phaseFirst;
      for (let d = 0; d < 3 && localCount > 0; d++) {
        if (random() < 0.6) deps.add(phaseFirst + Math.floor(random() * localCount));
      }
      const after = deps.size ? `, after: [${[...deps].map((n) => `t${n}`).join(', ')}]` : '';
      const kind =
        random() < 0.5
          ? `owner: ${random() < 0.5 ? 'ops' : 'dba'}`
          : `action: shell, with: { run: 'echo ${made}' }, owner: ops`;
      lines.push(`      - { id: t${made}, ${kind}, estimate: ${1 + Math.floor(random() * 30)}m${after} }`);
    }
  }
  lines.push('rollback:', '  steps:', '    - { id: back, title: Switch back, owner: ops, budget: 30m }');
  return lines.join('\n') + '\n';
}

import { describe, expect, it } from 'vitest';
import { parseServersState } from './haproxy-runtime.js';

const header =
  '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change\n';

describe('parsing show servers state', () => {
  it('maps admin-state bits the way HAProxy masks them (CMAINT alone is not maintenance)', () => {
    const rows = parseServersState(
      `${header}2 app 1 a 127.0.0.1 2 0 100 100 5\n2 app 2 b 127.0.0.1 0 5 1 1 5\n2 app 3 c 127.0.0.1 2 4 1 1 5\n` +
        `2 app 4 d 127.0.0.1 2 8 7 7 5\n2 app 5 e 127.0.0.1 2 9 7 7 5\n2 app 6 f 127.0.0.1 0 32 7 7 5\n`,
    );
    expect(rows.map((r) => `${r.server}:${r.weight}/${r.state}`)).toEqual([
      'a:100/ready',
      'b:1/maint',
      'c:1/ready',
      'd:7/drain',
      'e:7/maint',
      'f:7/maint',
    ]);
  });

  it('reads whether a health check is configured and its last result', () => {
    const text =
      '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state\n' +
      '2 app 1 live 127.0.0.1 2 4 1 1 0 15 3 2 6\n2 app 2 dead 127.0.0.1 2 4 1 1 0 1 0 1 6\n2 app 3 nochk 127.0.0.1 2 4 1 1 0 1 0 0 8\n';
    expect(parseServersState(text).map((r) => [r.server, r.checked, r.checkResult])).toEqual([
      ['live', true, 3],
      ['dead', true, 0],
      ['nochk', false, 0],
    ]);
  });

  it('names a missing backend and refuses an unexpected answer', () => {
    expect(() => parseServersState("Can't find backend.\n", 'web')).toThrow("HAProxy has no backend 'web'");
    expect(() => parseServersState('Unknown command\n')).toThrow(
      "unexpected answer to 'show servers state': 'Unknown command'",
    );
    expect(() => parseServersState('')).toThrow('an empty answer');
  });
});

describe('the HAProxy runtime client', () => {
  it('refuses a command that could smuggle a second one', async () => {
    const { HaproxyRuntime } = await import('./haproxy-runtime.js');
    await expect(
      new HaproxyRuntime({ socket: '/nonexistent' }).command(
        'set server a/b weight 1; shutdown sessions server a/b',
      ),
    ).rejects.toThrow("refusing HAProxy command with ';' or a newline");
  });
});

import { z } from 'zod';

const RANGE_RE = /^([1-5])xx$|^(\d{3})-(\d{3})$/;

const oneStatus = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(RANGE_RE, { message: "expected a status such as 200, '2xx' or '200-299'" }),
]);

/** `200`, `[200, 204]`, `'2xx'`, `'200-299'`, or a list mixing them. */
export const statusExpectation = z
  .union([oneStatus, z.array(oneStatus).min(1)])
  .meta({ description: "Accepted status: 200, [200, 204], '2xx' or '200-299' (default '2xx')" });
export type StatusExpectation = z.infer<typeof statusExpectation>;

/** Whether `status` is one the expectation accepts. */
export function matchesStatus(status: number, expected: StatusExpectation): boolean {
  const list = Array.isArray(expected) ? expected : [expected];
  return list.some((one) => {
    if (typeof one === 'number') return status === one;
    const m = RANGE_RE.exec(one);
    if (!m) return false;
    if (m[1]) return Math.floor(status / 100) === Number(m[1]);
    return status >= Number(m[2]) && status <= Number(m[3]);
  });
}

/** `200`, `one of 200, 204`, `2xx`. */
export function describeStatusExpectation(expected: StatusExpectation): string {
  const list = Array.isArray(expected) ? expected : [expected];
  return list.length === 1 ? String(list[0]) : `one of ${list.join(', ')}`;
}

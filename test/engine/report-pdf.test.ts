import { describe, expect, it } from 'vitest';
import { printPdf } from '../../src/engine/report/print-pdf.js';

describe('printing the report to PDF', () => {
  it('says clearly that Chromium is missing, naming where it looked', async () => {
    await expect(printPdf('<p>review</p>', '/nonexistent/chromium')).rejects.toMatchObject({
      code: 'USAGE',
      message: "a PDF needs Chromium, and there is none at '/nonexistent/chromium'",
      hint: expect.stringContaining('--format html'),
    });
  });
});

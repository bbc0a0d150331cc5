/**
 * The name to show for a certificate subject or issuer field. Fields may repeat (several CNs or Os); the
 * first is the one people mean.
 *
 * @example certificateName(cert.issuer?.CN ?? cert.issuer?.O) // 'R11'
 */
export const certificateName = (value: string | string[] | undefined): string =>
  (Array.isArray(value) ? value[0] : value) ?? '';

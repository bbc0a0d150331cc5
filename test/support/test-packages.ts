/** Every Debian package the test suite starts servers from, by a file each provides. */
export const TEST_PACKAGES: Readonly<Record<string, string>> = {
  haproxy: '/usr/sbin/haproxy',
  'nginx-light': '/usr/sbin/nginx',
  prometheus: '/usr/bin/prometheus',
  bind9: '/usr/sbin/named',
  'bind9-dnsutils': '/usr/bin/dig',
  knot: '/usr/sbin/knotd',
  unbound: '/usr/sbin/unbound',
  'etcd-server': '/usr/bin/etcd',
  chromium: '/usr/bin/chromium',
};

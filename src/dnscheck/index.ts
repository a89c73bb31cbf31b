export { createDnsChecker, type DnsChecker, type DnsCheckerOptions, selectorsFor } from './dns-checker.js';

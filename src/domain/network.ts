import { type BlockList, isIP } from 'node:net';

/** Parses `10.0.0.0/8`, `127.0.0.1`, `fd00::/8` or `::1` into `list`; false when it is not one. */
export function addCidr(list: BlockList, cidr: string): boolean {
  const [address, bits, extra] = cidr.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address, type);
    return true;
  }
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) return false;
  list.addSubnet(address, prefix, type);
  return true;
}

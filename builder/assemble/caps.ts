// File capabilities as rpm stores them (text, cap_to_text form: "cap_net_raw=ep",
// "cap_net_admin,cap_net_raw+ep") → the security.capability xattr the kernel reads
// (struct vfs_cap_data, revision 2, little-endian). Pure.
const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot',
  'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease',
  'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read',
  'perfmon', 'bpf', 'checkpoint_restore',
];

/** base64 of the security.capability value, or undefined for an empty/unparseable text. */
export function capsToXattr(text: string): string | undefined {
  let permitted = 0n;
  let inheritable = 0n;
  let effective = false;
  for (const clause of text.trim().split(/\s+/)) {
    const m = /^([\w,]*)([=+-])([eip]*)$/.exec(clause);
    if (!m) return undefined;
    let bits = 0n;
    const names = m[1] === '' || m[1] === 'all' ? CAP_NAMES.map((n) => `cap_${n}`) : m[1].split(',');
    for (const n of names) {
      const i = CAP_NAMES.indexOf(n.toLowerCase().replace(/^cap_/, ''));
      if (i < 0) return undefined;
      bits |= 1n << BigInt(i);
    }
    const add = m[2] !== '-';
    if (m[2] === '=') {
      permitted &= ~bits;
      inheritable &= ~bits;
    }
    for (const f of m[3]) {
      if (f === 'p') permitted = add ? permitted | bits : permitted & ~bits;
      if (f === 'i') inheritable = add ? inheritable | bits : inheritable & ~bits;
      if (f === 'e') effective = add && bits !== 0n;
    }
  }
  if (permitted === 0n && inheritable === 0n) return undefined;
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0x02000000 | (effective ? 1 : 0), 0);
  b.writeUInt32LE(Number(permitted & 0xffffffffn), 4);
  b.writeUInt32LE(Number(inheritable & 0xffffffffn), 8);
  b.writeUInt32LE(Number(permitted >> 32n), 12);
  b.writeUInt32LE(Number(inheritable >> 32n), 16);
  return b.toString('base64');
}

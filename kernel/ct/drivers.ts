// Choosing and constructing the host driver and private-area mode for a CT, from the host
// probe. Closed unions: unknown values throw.
import { UsageError } from '../../builder/errors.js';
import { CtError } from '../errors.js';
import type { HostProbe } from '../probe/index.js';
import type { DriverName, PrivateMode } from './record.js';

export type HostChoice = 'auto' | DriverName;
export type PrivateChoice = 'auto' | PrivateMode;

export function parseHostChoice(s: string): HostChoice {
  if (s === 'auto' || s === 'lxc' || s === 'openvz') return s;
  throw new UsageError(`--host must be auto, lxc or openvz (got "${s}")`);
}

export function parsePrivateChoice(s: string): PrivateChoice {
  if (s === 'auto' || s === 'copy' || s === 'overlay' || s === 'hardlink') return s;
  throw new UsageError(`--private must be auto, copy, overlay or hardlink (got "${s}")`);
}

export function chooseDriver(choice: HostChoice, probe: Pick<HostProbe, 'drivers' | 'openvz' | 'lxc' | 'kernel'>): DriverName {
  if (choice === 'auto') {
    const d = probe.drivers[0];
    if (!d) throw new CtError('E_NO_DRIVER', `this host can run neither vzctl (OpenVZ kernel: ${probe.openvz.kernel ? 'yes' : 'no'}, vzctl: ${probe.openvz.vzctl ? 'yes' : 'no'}) nor LXC (lxc-start: ${probe.lxc ? 'yes' : 'no'})`, { hint: 'install lxc, or run on an OpenVZ kernel with vzctl' });
    return d;
  }
  if (!probe.drivers.includes(choice)) {
    const why = choice === 'openvz'
      ? `needs an OpenVZ kernel (${probe.kernel.release} is ${probe.openvz.kernel ? '' : 'not '}one) and vzctl on PATH (${probe.openvz.vzctl ? 'found' : 'not found'})`
      : 'needs lxc-start on PATH and a mounted cgroup hierarchy';
    throw new CtError('E_NO_DRIVER', `--host ${choice} is not usable here: it ${why}`);
  }
  return choice;
}

export function choosePrivate(choice: PrivateChoice, driver: DriverName, probe: Pick<HostProbe, 'privateModes'>): PrivateMode {
  if (driver === 'openvz') {
    // vzctl unpacks the cache into VE_PRIVATE itself (simfs or ploop): always a copy.
    if (choice !== 'auto' && choice !== 'copy') throw new CtError('E_PRIVATE_MODE', `--private ${choice} is not available with vzctl, which unpacks its own private area; use --private copy or --host lxc`);
    return 'copy';
  }
  if (choice === 'auto') return probe.privateModes[0];
  if (!probe.privateModes.includes(choice)) throw new CtError('E_PRIVATE_MODE', `--private ${choice} is not usable on this host (usable: ${probe.privateModes.join(', ')})`);
  return choice;
}

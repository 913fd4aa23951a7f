/** A storage device in the ring (Swift's dev dict). */
export interface RingDevice {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  device: string;
  weight: number;
  meta?: string;
}

/** What a ring file holds: the devices and, per replica, the device id of every partition. */
export interface RingData {
  version: number;
  partPower: number;
  replicas: number;
  devs: Array<RingDevice | null>;
  /** replica2part2dev[r][part] = device id */
  replica2part2dev: Uint16Array[];
}

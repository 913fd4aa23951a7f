import { libvirtTarget } from '../../../src/console/libvirt-target';

describe('libvirtTarget: how the console proxy reaches a host libvirtd', () => {
  it('a local URI dials the unix socket (or the one ?socket= names) and opens the same driver URI', () => {
    expect(libvirtTarget('qemu:///system')).toEqual({ dial: {}, openUri: 'qemu:///system' });
    expect(libvirtTarget('qemu+unix:///system?socket=/run/x.sock')).toEqual({
      dial: { socketPath: '/run/x.sock' },
      openUri: 'qemu:///system',
    });
    expect(libvirtTarget('test:///default')).toEqual({ dial: {}, openUri: 'test:///default' });
  });

  it("a +tcp URI dials the host's libvirtd port (16509 unless given) and opens the driver URI there", () => {
    expect(libvirtTarget('qemu+tcp://node-2/system')).toEqual({
      dial: { host: 'node-2', port: 16509 },
      openUri: 'qemu:///system',
    });
    expect(libvirtTarget('qemu+tcp://root@10.0.0.5:16600/system')).toEqual({
      dial: { host: '10.0.0.5', port: 16600 },
      openUri: 'qemu:///system',
    });
    expect(libvirtTarget('qemu+tcp://[fd00::5]/system')).toEqual({
      dial: { host: 'fd00::5', port: 16509 },
      openUri: 'qemu:///system',
    });
  });

  it('refuses what the client cannot speak, naming the URI', () => {
    expect(() => libvirtTarget('qemu://node-2/system')).toThrow(
      /qemu:\/\/node-2\/system: a host without a transport is libvirt's TLS transport.*qemu\+tcp:\/\/node-2\/system/,
    );
    expect(() => libvirtTarget('qemu+ssh://root@node-2/system')).toThrow(
      "qemu+ssh://root@node-2/system: libvirt's ssh transport is not supported",
    );
    expect(() => libvirtTarget('qemu+tls://node-2/system')).toThrow(/tls transport is not supported/);
    expect(() => libvirtTarget('qemu+tcp:///system')).toThrow(/needs a host/);
    expect(() => libvirtTarget('qemu+tcp://h:99999/system')).toThrow(/out of range/);
    expect(() => libvirtTarget('/var/run/libvirt')).toThrow('not a libvirt URI: /var/run/libvirt');
  });
});

// Which local socket the client dials without socketPath: libvirt's own "auto" choice.
import { DEFAULT_READONLY_SOCKET, DEFAULT_SOCKET, defaultSocket, describeTarget, MODULAR_READONLY_SOCKET, MODULAR_SOCKET } from '../src/transport';

describe('defaultSocket', () => {
  const only = (...paths: string[]) => (p: string) => paths.includes(p);

  it("is libvirtd's socket when it exists, even beside virtqemud's", () => {
    expect(defaultSocket(false, only(DEFAULT_SOCKET, MODULAR_SOCKET))).toBe(DEFAULT_SOCKET);
    expect(defaultSocket(true, only(DEFAULT_READONLY_SOCKET, MODULAR_READONLY_SOCKET))).toBe(DEFAULT_READONLY_SOCKET);
  });

  it("is virtqemud's (the modular daemons) when only it exists", () => {
    expect(defaultSocket(false, only(MODULAR_SOCKET))).toBe(MODULAR_SOCKET);
    expect(defaultSocket(true, only(MODULAR_READONLY_SOCKET))).toBe(MODULAR_READONLY_SOCKET);
  });

  it("names libvirtd's when neither exists (the error says where it looked)", () => {
    expect(defaultSocket(false, only())).toBe(DEFAULT_SOCKET);
    expect(describeTarget({ socketPath: '/tmp/x.sock' })).toBe('unix:/tmp/x.sock');
  });
});

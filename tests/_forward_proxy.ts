/**
 * Test helper: a tiny HTTP proxy on 127.0.0.1 that counts what it carries. A forwarding request
 * (`GET http://host:port/path HTTP/1.1`) is sent on to its target with `Connection: close`, but
 * only when the target is on loopback (anything else gets a 502: tests never leave the machine);
 * `mapHost` may send a made-up host name to a loopback port. A `CONNECT host:port` is counted,
 * tunnelled when the target is on loopback, else refused with a 502.
 *
 * @module
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** What the proxy saw. */
export interface ProxyLog {
  /** Absolute-URI request targets, in order (`http://127.0.0.1:1234/bucket/key`). */
  forwarded: string[];
  /** CONNECT targets, in order (`127.0.0.1:443`). */
  connects: string[];
  /** `Proxy-Authorization` values received (to check credentials reach the proxy). */
  authorizations: string[];
}

/** A running proxy. */
export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** What it carried so far. */
  log: ProxyLog;
  /** Stop listening and drop every connection. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** Starts the proxy; `mapHost` turns a target host name into a loopback `host:port`. */
export async function startForwardProxy(
  mapHost: (host: string) => string | null = () => null,
): Promise<ForwardProxy> {
  const log: ProxyLog = { forwarded: [], connects: [], authorizations: [] };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    let head = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      head = Buffer.concat([head, data]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      client.off("data", onData);
      client.pause();
      handle(client, head.subarray(0, end).toString("latin1"), head.subarray(end + 4));
    };
    client.on("data", onData);
  });

  function target(hostPort: string): { host: string; port: number } | null {
    const mapped = mapHost(hostPort.replace(/:\d+$/, "")) ?? hostPort;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(mapped);
    if (!m || !LOOPBACK.test(m[1])) return null;
    return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2] ?? 80) };
  }

  function handle(client: Socket, head: string, rest: Buffer): void {
    const lines = head.split("\r\n");
    const [method, uri, version] = lines[0].split(" ");
    const auth = lines.find((l) => /^proxy-authorization:/i.test(l));
    if (auth) log.authorizations.push(auth.slice(auth.indexOf(":") + 1).trim());
    if (method === "CONNECT") {
      log.connects.push(uri);
      const to = target(uri);
      if (!to) return void client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
      const upstream = connect(to.port, to.host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      return;
    }
    if (!/^https?:\/\//i.test(uri)) {
      return void client.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    }
    log.forwarded.push(uri);
    const url = new URL(uri);
    const to = target(url.host);
    if (!to) return void client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
    const headers = lines.slice(1).filter((l) => !/^(connection|proxy-[a-z-]+):/i.test(l));
    const upstream = connect(to.port, to.host, () => {
      upstream.write(
        `${method} ${url.pathname}${url.search} ${version}\r\n` +
          `${headers.join("\r\n")}\r\nconnection: close\r\n\r\n`,
      );
      if (rest.length) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const [url, mode, landArg] = Deno.args;
const LAND = Number(landArg ?? 262144);
const t = performance.now();
await Promise.all(Array.from({ length: 8 }, async (_, i) => {
  const start = i * 128 * 2 ** 20;
  const res = await fetch(url, {
    headers: { range: `bytes=${start}-${start + 128 * 2 ** 20 - 1}` },
  });
  let buf = new Uint8Array(1 << 20);
  let filled = 0;
  if (mode === "byob") {
    const reader = res.body!.getReader({ mode: "byob" });
    for (;;) {
      const { done, value } = await reader.read(buf.subarray(filled));
      if (done) break;
      buf = new Uint8Array(value!.buffer);
      filled += value!.length;
      if (filled === buf.length) filled = 0;
    }
  } else if (mode === "land") {
    const reader = res.body!.getReader({ mode: "byob" });
    let land = new Uint8Array(LAND);
    for (;;) {
      const { done, value } = await reader.read(
        land.subarray(0, Math.min(LAND, buf.length - filled)),
      );
      if (done) break;
      land = new Uint8Array(value!.buffer);
      buf.set(value!, filled);
      filled += value!.length;
      if (filled === buf.length) filled = 0;
    }
  } else {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let off = 0;
      while (off < value.length) {
        const take = Math.min(value.length - off, buf.length - filled);
        buf.set(value.subarray(off, off + take), filled);
        filled += take;
        off += take;
        if (filled === buf.length) filled = 0;
      }
    }
  }
}));
console.log(mode, LAND, (performance.now() - t).toFixed(0), "ms");

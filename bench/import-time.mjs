// Time to import one module in a fresh Node.js process (run once per process).
const t = performance.now();
await import(process.argv[2]);
console.log(performance.now() - t);

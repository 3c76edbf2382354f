// The DB worker's entry. It runs the app's own wasm (the UI's module; its
// `main` sees a worker scope and starts the database side), so the browser
// downloads one module for the page and the worker. index.html names the
// files trunk built, which carry content hashes, in this script's query.
const params = new URL(self.location.href).searchParams;
const { default: init } = await import(params.get("js"));
await init({ module_or_path: params.get("wasm") });

// IndexedDB: the outbox of events made on the tablet (sent in device-time order when online), the last
// copy of the day, and small settings. Logout deletes the whole database.
(function () {
  const DB_NAME = "hjemmerute";
  const STORES = ["outbox", "meta"];
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
          if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opening;
  }

  async function run(store, mode, action) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const result = action(tx.objectStore(store));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }

  const Store = {
    put: (item) => run("outbox", "readwrite", (s) => s.put(item)),
    all: async () => {
      const items = (await run("outbox", "readonly", (s) => s.getAll())) || [];
      return items.sort((a, b) => (a.device_time < b.device_time ? -1 : a.device_time > b.device_time ? 1 : a.seq - b.seq));
    },
    remove: (id) => run("outbox", "readwrite", (s) => s.delete(id)),
    get: (key) => run("meta", "readonly", (s) => s.get(key)),
    set: (key, value) => run("meta", "readwrite", (s) => s.put(value, key)),
    async wipe() {
      if (opening) {
        (await opening).close();
        opening = null;
      }
      await new Promise((resolve) => {
        const request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      });
    },
    STORES,
  };
  window.HRStore = Store;
})();

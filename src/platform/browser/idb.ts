/**
 * The two IndexedDB callbacks-to-promises both page stores need (the client
 * state and the channels wallet), written once.
 */

/** Resolves with the request's result, rejects with its error. */
export const idbRequest = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/**
 * Settles when the transaction has committed (`null`) or failed (its error, never a rejection: a store keeps the
 * first write error and reports it on its next flush, so one failed write does not become an unhandled rejection).
 */
export const idbDone = (tx: IDBTransaction): Promise<DOMException | null> =>
  new Promise((resolve) => {
    tx.oncomplete = () => resolve(null);
    const failed = () => resolve(tx.error);
    tx.onerror = failed;
    tx.onabort = failed;
  });

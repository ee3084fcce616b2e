/** Errors of the durable store (node:sqlite). */
import { ObolError } from "../errors.js";

/** The database file could not be opened or migrated. */
export class StoreOpenError extends ObolError {
  override name = "StoreOpenError";
  constructor(path: string, cause: unknown) {
    super(`Cannot open the database ${path}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      hint: "check the data directory exists and is writable, and that no other Obol process holds it",
      cause,
    });
  }
}

/** The file was written by a newer Obol whose schema this code does not know. */
export class StoreVersionError extends ObolError {
  override name = "StoreVersionError";
  constructor(path: string, found: number, known: number) {
    super(`Database ${path} has schema version ${found}`, {
      details: `this build knows versions up to ${known}`,
      hint: "upgrade Obol, or point --data-dir at a fresh directory",
    });
  }
}

/** A durable commit failed; nothing of the batch was written. */
export class CommitError extends ObolError {
  override name = "CommitError";
  constructor(cause: unknown) {
    super("Durable commit failed", {
      details: cause instanceof Error ? cause.message : String(cause),
      hint: "check free disk space and file permissions of the data directory",
      cause,
    });
  }
}

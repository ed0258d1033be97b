import { all, post } from "./http";
import type { NoteOut } from "./types";

export const list = (batchId: string) => all<NoteOut>(`/batches/${batchId}/notes`);
export const write = (batchId: string, text: string, key?: string) => post<NoteOut>(`/batches/${batchId}/notes`, { text }, key);

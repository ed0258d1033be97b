import { all, get, post } from "./http";
import type { MyBatchOut, Paged } from "./types";

export const myBatches = () => all<MyBatchOut>("/me/batches");
export const register = (batchId: string, key?: string) => post<unknown>(`/batches/${batchId}/registration`, undefined, key);
export const checkin = (batchId: string, key?: string) => post<unknown>(`/batches/${batchId}/checkins`, undefined, key);
/** Whether the trainee sits in any research-base batch (one short read, for the menu). */
export const holdsBatches = async () => (await get<Paged<MyBatchOut>>("/me/batches", { limit: 1 })).items.length > 0;

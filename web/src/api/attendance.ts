import { all, post } from "./http";
import type { MyBatchOut } from "./types";

export const myBatches = () => all<MyBatchOut>("/me/batches");
export const register = (batchId: string, key?: string) => post<unknown>(`/batches/${batchId}/registration`, undefined, key);
export const checkin = (batchId: string, key?: string) => post<unknown>(`/batches/${batchId}/checkins`, undefined, key);

import { all, del, get, patch, post } from "./http";
import type { AuditOut, BatchOut, ConfirmOut, TraineeIn, TraineeOut, TraineePatch } from "./types";

export const trainees = (batchId: string) => all<TraineeOut>(`/batches/${batchId}/trainees`);
export const add = (batchId: string, body: TraineeIn, key?: string) => post<TraineeOut>(`/batches/${batchId}/trainees`, body, key);
export const one = (traineeId: string) => get<TraineeOut>(`/trainees/${traineeId}`);
export const update = (traineeId: string, body: TraineePatch, key?: string) => patch<TraineeOut>(`/trainees/${traineeId}`, body, key);
export const remove = (traineeId: string, key?: string) => del<null>(`/trainees/${traineeId}`, key);
export const confirm = (batchId: string, key?: string) => post<ConfirmOut>(`/batches/${batchId}/roster/confirm`, undefined, key);
// The office: reopen a confirmed roster, swap one person, read the roster's change record.
export const unlock = (batchId: string, reason: string, key?: string) =>
  post<BatchOut>(`/batches/${batchId}/roster/unlock`, { reason }, key);
export const replace = (traineeId: string, reason: string, trainee: TraineeIn, key?: string) =>
  post<TraineeOut>(`/trainees/${traineeId}/replacement`, { reason, trainee }, key);
export const audit = (batchId: string) => all<AuditOut>(`/batches/${batchId}/roster/audit`);

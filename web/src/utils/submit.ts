// One form submission: a busy flag (a second click while the first is out does nothing), one
// Idempotency-Key per submission (kept when the answer was lost, so a retry is the same
// submission), and the API's errors: `fields` beside the fields, `message` as a message.
import { reactive, ref } from "vue";
import { ElMessage } from "element-plus";
import { ApiError, uuid } from "@/api/http";

export function notify(err: unknown): void {
  if (err instanceof ApiError) {
    // An ended session: the session handler sends the person to 登录 with the message.
    if (err.status === 401 && !["invalid_credentials", "initial_password_expired"].includes(err.code)) return;
    ElMessage({ type: "error", message: err.message, duration: 5000, showClose: true });
  } else {
    ElMessage({ type: "error", message: err instanceof Error ? err.message : String(err), showClose: true });
  }
}

export function useSubmit() {
  const busy = ref(false);
  const errors = reactive<Record<string, string>>({});
  const failure = ref<ApiError | null>(null);
  let key: string | null = null;

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k];
  }

  async function run(action: (key: string) => Promise<unknown>): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    clear();
    failure.value = null;
    key = key ?? uuid();
    try {
      await action(key);
      key = null;
      return true;
    } catch (err) {
      // A lost answer (status 0) keeps the key: trying again must not do the thing twice.
      if (!(err instanceof ApiError) || err.status !== 0) key = null;
      if (err instanceof ApiError) {
        Object.assign(errors, err.fields);
        failure.value = err;
      }
      notify(err);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, errors, failure, run, clear };
}

/** Load something for a page; errors become a message, never a blank page. */
export async function load<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (err) {
    notify(err);
    return undefined;
  }
}

// Whether the screen is phone-sized (trainees check in from a phone): tables become cards.
import { onBeforeUnmount, ref } from "vue";

export function useNarrow(maxWidth = 640) {
  const query = window.matchMedia(`(max-width: ${maxWidth}px)`);
  const narrow = ref(query.matches);
  const update = (e: MediaQueryListEvent) => (narrow.value = e.matches);
  query.addEventListener("change", update);
  onBeforeUnmount(() => query.removeEventListener("change", update));
  return narrow;
}

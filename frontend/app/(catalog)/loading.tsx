import { GridSkeleton } from "@/components/ui/loading-skeletons";

/**
 * The catalog's loading state, kept in this group rather than at the app's root: a root
 * `loading.tsx` would wrap every route, so pages would start streaming (status 200 sent)
 * before a layout's guard could answer 403 or redirect, as the admin layout does.
 */
export default function Loading() {
  return <GridSkeleton />;
}

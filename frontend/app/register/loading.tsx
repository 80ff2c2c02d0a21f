import { FormSkeleton } from "@/components/ui/loading-skeletons";

export default function Loading() {
  return <FormSkeleton label="Loading…" />;
}

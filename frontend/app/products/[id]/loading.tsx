import { DetailSkeleton } from "@/components/ui/loading-skeletons";

export default function Loading() {
  return <DetailSkeleton label="Loading product…" />;
}

import { GridSkeleton } from "@/components/ui/loading-skeletons";

export default function Loading() {
  return <GridSkeleton />;
}

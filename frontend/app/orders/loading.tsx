import { PanelSkeleton } from "@/components/ui/loading-skeletons";

export default function Loading() {
  return <PanelSkeleton label="Loading your orders…" />;
}

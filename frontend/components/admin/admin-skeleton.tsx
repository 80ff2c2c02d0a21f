import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";

/** A title and a block of rows: the shape of every admin screen. */
export function AdminSkeleton({ label }: { label: string }) {
  return (
    <LoadingRegion label={label}>
      <Skeleton className="mb-6 h-8 w-56" />
      <Skeleton className="mb-4 h-12" />
      <div className="space-y-2">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-10" />
        ))}
      </div>
    </LoadingRegion>
  );
}
